"""iitcore: exact IIT 4.0 on factored binary substrates (numpy only, no I/O)."""

from iitcore.errors import (
    CMMismatchWarning,
    EliminationWidthError,
    IITError,
    InvalidStateError,
    InvalidSubstrateError,
    StateUnreachableError,
)
from iitcore.sia import SIA, Partition, SpecifiedState, sia, sia_from_dict
from iitcore.substrate import Substrate

__all__ = [
    "SIA",
    "CMMismatchWarning",
    "EliminationWidthError",
    "IITError",
    "InvalidStateError",
    "InvalidSubstrateError",
    "Partition",
    "SpecifiedState",
    "StateUnreachableError",
    "Substrate",
    "sia",
    "sia_from_dict",
]
from iitcore.candidates import CandidatePlan, plan_candidates  # noqa: E402
from iitcore.complexes import (  # noqa: E402
    Complex,
    Complexes,
    Exclusion,
    Unreachable,
    complexes,
    evaluate_candidates,
    exclusion,
    maximal_complex,
)

__all__ += [
    "CandidatePlan",
    "Complex",
    "Complexes",
    "Exclusion",
    "Unreachable",
    "complexes",
    "evaluate_candidates",
    "exclusion",
    "maximal_complex",
    "plan_candidates",
]
from iitcore.structure import Distinction, Mice, PhiStructure, phi_structure  # noqa: E402

__all__ += ["Distinction", "Mice", "PhiStructure", "phi_structure"]
