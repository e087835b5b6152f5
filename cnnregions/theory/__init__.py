"""The paper's formulas and bounds, computed exactly (Python integers, never floats).

One function per result of Xiong et al., "On the Number of Linear Regions of
Convolutional Neural Networks" (ICML 2020):

=========================================  ====================================================
result                                     functions
=========================================  ====================================================
Lemma 1, Lemma 4 (shapes, parameters)      ``Architecture.shapes``, ``Architecture.n_parameters``
Lemma 2                                    :func:`lemma2`
Theorem 1 (and Table 1's second row)       :func:`theorem1`, :func:`theorem1_bound`
Theorem 2, eq. (4)                         :func:`eq4`, :func:`eq4_bruteforce`, :func:`eq4_polynomial`
Examples 1, 2, 3                           :func:`example1`, :func:`example2`, :func:`example3`
Theorem 3                                  :func:`theorem3_exponent`
Theorem 4                                  :func:`theorem4_architecture`, :func:`theorem4_weights`,
                                           :func:`theorem4_network`
Theorem 5 (and Table 2's variant)          :func:`theorem5`, :func:`theorem5_lower`,
                                           :func:`theorem5_upper`, :func:`theorem5_upper_table2`
Example 5                                  :func:`example5`
Theorem 6, Section 5                       :func:`theorem6_deep_rate`, :func:`theorem6_shallow_rate`,
                                           :func:`deep_vs_shallow`, :func:`cnn_vs_fully_connected`
everything for one architecture            :func:`bounds_summary`
=========================================  ====================================================

Functions raise :class:`~cnnregions.InvalidParameterError` when their result does
not apply (more than one layer where the result is for one layer, padding or
fully-connected layers, the assumption ``d_l >= d0`` of Theorem 5's lower bound); :func:`bounds_summary` and the
:class:`Theorem5` / :class:`Example5` values use None instead, with the reason.
"""

from ..errors import ComputationTooLargeError
from .composition import theorem4_architecture, theorem4_kernel, theorem4_network, theorem4_weights
from .counting import (
    example1,
    example2,
    example3,
    is_full_size,
    is_pointwise,
    lemma2,
    theorem1,
    theorem1_bound,
    theorem3_exponent,
)
from .efficiency import (
    CnnVsFullyConnected,
    DeepVsShallow,
    cnn_vs_fully_connected,
    deep_vs_shallow,
    section52_ratio_rate,
    theorem6_deep_rate,
    theorem6_shallow_rate,
)
from .fields import Incidence, incidence, receptive_fields, used_inputs
from .frontier import hall_weighted_count
from .multilayer import (
    Example5,
    Theorem5,
    example5,
    fully_connected_architecture,
    theorem5,
    theorem5_lower,
    theorem5_lower_applies,
    theorem5_n_double_prime,
    theorem5_n_prime,
    theorem5_upper,
    theorem5_upper_table2,
)
from .one_layer import eq4, eq4_bruteforce, eq4_polynomial
from .path import path_count
from .summary import DEFAULT_MAX_STATES, SUMMARY_KEYS, bounds_summary, overlaps_in_2d

__all__ = [
    "DEFAULT_MAX_STATES", "SUMMARY_KEYS", "CnnVsFullyConnected", "ComputationTooLargeError", "DeepVsShallow",
    "Example5", "Incidence", "Theorem5", "bounds_summary", "cnn_vs_fully_connected", "deep_vs_shallow", "eq4",
    "eq4_bruteforce", "eq4_polynomial", "example1", "example2", "example3", "example5",
    "fully_connected_architecture", "hall_weighted_count", "incidence", "is_full_size", "is_pointwise", "lemma2",
    "overlaps_in_2d", "path_count", "receptive_fields", "section52_ratio_rate", "theorem1", "theorem1_bound",
    "theorem3_exponent", "theorem4_architecture", "theorem4_kernel", "theorem4_network", "theorem4_weights",
    "theorem5", "theorem5_lower", "theorem5_lower_applies", "theorem5_n_double_prime", "theorem5_n_prime",
    "theorem5_upper", "theorem5_upper_table2", "theorem6_deep_rate", "theorem6_shallow_rate", "used_inputs",
]
