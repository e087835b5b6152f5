"""The one place a NET argument becomes a network, with where its weights came from.

A NET argument (every subcommand's first argument, and :func:`resolve` in Python) is

=====================  ======================================  =====================
NET                    the network                             its weights
=====================  ======================================  =====================
``model.npz``          :func:`~.io.load_network`               ``"file"``
``model.onnx``         :func:`~.onnx_import.load_onnx`         ``"import"`` (its output layer dropped)
``arch.json``          :func:`~.io.load_architecture`          ``"he"``: He initialisation from ``seed``
``example4-d8`` ...    :func:`~.paper.paper_architecture`      ``"he"``: He initialisation from ``seed``
=====================  ======================================  =====================

:func:`resolve` returns a :class:`ResolvedNetwork` that says which (and the seed
only when the weights were drawn from it); :func:`resolve_architecture` gives the
architecture alone (no weights drawn).  Both classify the argument with
:func:`net_kind`, so the rules above are written once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._validation import check_int, check_path
from ..errors import InvalidParameterError
from .architecture import Architecture
from .io import load_architecture, load_network
from .network import Network, he_network
from .onnx_import import load_onnx
from .paper import is_paper_name, paper_architecture

__all__ = ["ResolvedNetwork", "net_kind", "resolve", "resolve_architecture", "resolve_network"]

def net_kind(spec: str | os.PathLike) -> str:
    """``"npz"``, ``"onnx"``, ``"json"`` or ``"paper"``: what a NET argument names.

    Raises
    ------
    InvalidParameterError
        For a file that does not exist, a file with another suffix, or a name that
        is neither a file nor a paper network name.
    """
    text = os.fspath(spec)
    suffix = Path(text).suffix.lower()
    if suffix in (".npz", ".onnx", ".json"):
        if not Path(text).exists():
            raise InvalidParameterError(f"The file '{text}' must exist. Got no such file instead.")
        return suffix[1:]
    if is_paper_name(text):
        return "paper"
    if Path(text).exists():
        raise InvalidParameterError(
            f"The network '{text}' must be a .npz network, an .onnx model, a .json architecture or a paper network "
            f"name. Got a file with suffix {suffix!r} instead.")
    if suffix:
        raise InvalidParameterError(f"The file '{text}' must exist. Got no such file instead.")
    paper_architecture(text)  # raises the paper names' message
    raise AssertionError("unreachable: paper_architecture accepted a name is_paper_name refused")  # pragma: no cover


@dataclass(frozen=True, eq=False)
class ResolvedNetwork:
    """A network named by a NET argument, and where its weights came from.

    Attributes
    ----------
    network : Network
        The hidden ReLU layers.
    spec : str
        The NET argument as given.
    weights : {"file", "import", "he"}
        Read from a ``.npz`` file; imported from a model (``.onnx``), whose output
        layer may have been dropped; or drawn by He initialisation from ``seed``.
    seed : int or None
        The seed of the He draw; None when the weights were not drawn.
    output_layer : str or None
        An imported model's trailing layer without ReLU, dropped (it does not
        change the regions); None otherwise.
    notes : tuple of str
        Remarks on the import, one sentence each.
    """

    network: Network
    spec: str
    weights: Literal["file", "import", "he"]
    seed: int | None = None
    output_layer: str | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.weights not in ("file", "import", "he"):
            raise InvalidParameterError(f"The 'weights' must be 'file', 'import' or 'he'. Got {self.weights!r} instead.")
        if (self.seed is None) != (self.weights != "he"):
            raise InvalidParameterError(
                f"The 'seed' must be given exactly when the weights are drawn ('he'). "
                f"Got seed {self.seed!r} with weights {self.weights!r} instead.")

    @property
    def provenance(self) -> str:
        """Where the weights came from, for one line of text (e.g. ``He initialisation, seed 0``)."""
        if self.weights == "he":
            return f"He initialisation, seed {self.seed}"
        if self.weights == "import":
            return "imported" + (", output layer dropped" if self.output_layer else "")
        return "weights from the file"

    def describe(self) -> str:
        """``NET (architecture, provenance)``, the ``network`` line of the text output."""
        return f"{self.spec} ({self.network.architecture.describe()}, {self.provenance})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON entries every subcommand prints about its network."""
        return {"network": self.spec, "weights": self.weights, "seed": self.seed,
                "output_layer": self.output_layer, "fingerprint": self.network.fingerprint,
                "architecture": self.network.architecture.to_dict()}


def resolve(spec: str | os.PathLike, seed: int = 0) -> ResolvedNetwork:
    """Turn a NET argument into a network, saying where its weights came from.

    Parameters
    ----------
    spec : str or path-like
        A network ``.npz`` file, an ONNX model ``.onnx`` (its trailing output
        layer dropped and reported), an architecture ``.json`` file or a paper
        network name such as ``example4-d8`` (see the module docstring).
    seed : int
        Seed of the He initialisation, used only for ``.json`` and paper names.

    Examples
    --------
    >>> net = resolve("example1-d2", seed=3)
    >>> net.weights, net.seed, net.provenance
    ('he', 3, 'He initialisation, seed 3')
    """
    check_path(spec, "The 'spec'")
    seed = check_int(seed, "The 'seed'", minimum=0)
    text = os.fspath(spec)
    kind = net_kind(text)
    if kind == "npz":
        return ResolvedNetwork(load_network(text), text, "file")
    if kind == "onnx":
        imported = load_onnx(text)
        return ResolvedNetwork(imported.network, text, "import", None, imported.output_layer, imported.notes)
    return ResolvedNetwork(he_network(resolve_architecture(text), seed), text, "he", seed)


def resolve_network(spec: str | os.PathLike, seed: int = 0) -> Network:
    """The network of a NET argument (``resolve(spec, seed).network``)."""
    return resolve(spec, seed).network


def resolve_architecture(spec: str | os.PathLike) -> Architecture:
    """The architecture named by a NET argument; no weights are drawn for ``.json`` or paper names."""
    check_path(spec, "The 'spec'")
    text = os.fspath(spec)
    kind = net_kind(text)
    if kind == "npz":
        return load_network(text).architecture
    if kind == "onnx":
        return load_onnx(text).network.architecture
    if kind == "json":
        return load_architecture(text)
    return paper_architecture(text)
