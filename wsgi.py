from servicekit import create_app
app = create_app()
