"""Flask extensions, created unbound; the app factory binds them."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
migrate = Migrate()
login_manager = LoginManager()
