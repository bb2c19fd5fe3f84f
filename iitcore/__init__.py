"""iitcore: exact IIT 4.0 on factored binary substrates (numpy only, no I/O)."""

from iitcore.candidates import CandidatePlan, plan_candidates
from iitcore.complexes import (
    Complex,
    Complexes,
    Exclusion,
    Unreachable,
    big_phi_of,
    complexes,
    evaluate_candidates,
    exclusion,
    maximal_complex,
)
from iitcore.errors import (
    CMMismatchWarning,
    EliminationWidthError,
    IITError,
    InvalidStateError,
    InvalidSubstrateError,
    StateUnreachableError,
    SystemTooLargeError,
)
from iitcore.sia import SIA, Partition, SpecifiedState, sia, sia_from_dict
from iitcore.structure import Distinction, Mice, PhiStructure, phi_structure
from iitcore.substrate import Substrate

__all__ = [
    "SIA",
    "CMMismatchWarning",
    "CandidatePlan",
    "Complex",
    "Complexes",
    "Distinction",
    "EliminationWidthError",
    "Exclusion",
    "IITError",
    "InvalidStateError",
    "InvalidSubstrateError",
    "Mice",
    "Partition",
    "PhiStructure",
    "SpecifiedState",
    "StateUnreachableError",
    "Substrate",
    "SystemTooLargeError",
    "Unreachable",
    "big_phi_of",
    "complexes",
    "evaluate_candidates",
    "exclusion",
    "maximal_complex",
    "phi_structure",
    "plan_candidates",
    "sia",
    "sia_from_dict",
]
