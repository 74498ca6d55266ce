"""The one error class meant for users: the CLI and the app show its message, not a traceback."""


class HubqaError(Exception):
    """A problem the user can fix; the message says what and how."""
