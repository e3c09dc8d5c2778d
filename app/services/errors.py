"""Errors services raise; the web layer maps them to HTTP answers and the UI to messages."""


class ServiceError(Exception):
    """Base: a request that cannot be carried out, with a message a marketer can read."""


class NotFound(ServiceError):
    """Missing, or not yours: both look the same so ids of other tenants leak nothing."""


class Forbidden(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass


class Conflict(ServiceError):
    pass
