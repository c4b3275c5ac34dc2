"""``manage.py dbshell``: mongosh on the configured server."""

from django.db.backends.base.client import BaseDatabaseClient

from .connection import client_arguments


class DatabaseClient(BaseDatabaseClient):
    executable_name = "mongosh"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        arguments = client_arguments(settings_dict)
        host = arguments.get("host", "localhost")
        args = [cls.executable_name]
        if str(host).startswith(("mongodb://", "mongodb+srv://")):
            args.append(host)
            args += ["--eval", f"db = db.getSiblingDB({settings_dict['NAME']!r})", "--shell"]
        else:
            args += ["--host", str(host)]
            if "port" in arguments:
                args += ["--port", str(arguments["port"])]
            args.append(settings_dict["NAME"])
        if "username" in arguments:
            args += ["--username", arguments["username"]]
        if "password" in arguments:
            args += ["--password", arguments["password"]]
        if "authSource" in arguments:
            args += ["--authenticationDatabase", arguments["authSource"]]
        return [*args, *parameters], None
