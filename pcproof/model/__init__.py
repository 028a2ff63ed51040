"""Stage 1 of the pipeline: what a network is (architecture, activation, a parameter point)."""
from .activations import Activation, ActivationError, get as get_activation, BUILTIN as ACTIVATIONS
from .network import Architecture, ArchitectureError, Params, random_params, symbolic_params

__all__ = ["Activation", "ActivationError", "get_activation", "ACTIVATIONS", "Architecture",
           "ArchitectureError", "Params", "random_params", "symbolic_params"]
