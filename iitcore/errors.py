"""Errors and warnings raised by iitcore."""


class IITError(ValueError):
    """Base class of iitcore's input errors."""


class InvalidSubstrateError(IITError):
    """A TPM, connectivity matrix, unit table or unit reference is malformed."""


class InvalidStateError(IITError):
    """A state has the wrong length or is not binary."""


class StateUnreachableError(IITError):
    """The current state cannot be reached (reference: StateUnreachableError)."""


class EliminationWidthError(IITError):
    """Exact background inference would exceed the configured elimination width."""


class SystemTooLargeError(IITError):
    """A system is larger than the exact computation's size limit (see :mod:`iitcore.limits`)."""


class CMMismatchWarning(UserWarning):
    """The connectivity matrix omits a dependence that the TPM has."""
