"""Counting in a box and on a plane: against a brute-force reference, against the unbounded
count, and against a network whose first layer is composed with the plane's affine map."""

import hashlib
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from cnnregions import Box, Domain, InvalidParameterError, Plane, Space, count_regions, iter_regions
from cnnregions.models import Architecture, Network, he_network, paper_architecture

# A small padded conv + dense net (4 + 3 = 7 neurons) and a paper net (6 + 4 = 10 neurons).
SMALL = Architecture({"height": 3, "width": 3, "channels": 1},
                     [{"channels": 1, "kernel": [3, 3], "stride": 2, "padding": 1}, {"type": "dense", "features": 3}])


# -- an independent reference: every pattern, one scipy LP each -----------------------------

def pieces(network, pattern, origin, basis):
    """Each neuron's pre-activation as ``(g, h)`` with ``z = g . v + h`` for ``x = origin + basis v``."""
    A, c = np.array(basis, dtype=float), np.array(origin, dtype=float)
    out, offset = [], 0
    for M, b in network.affine_maps:
        A, c = M @ A, M @ c + b
        out.extend(zip(A, c))
        act = np.asarray(pattern[offset:offset + M.shape[0]], dtype=float)
        A, c = A * act[:, None], c * act
        offset += M.shape[0]
    return out


def reference_count(network, *, origin, basis, lo=None, hi=None, tol=1e-6, cap=10.0):
    """Patterns whose region, intersected with the box ``lo < v < hi`` (if given), holds a ball of radius > tol."""
    dim = basis.shape[1]
    box_rows, box_rhs = [], []
    if lo is not None:
        for i in range(dim):               # v_i - lo_i >= t  and  hi_i - v_i >= t
            e = np.eye(dim)[i]
            box_rows += [np.r_[-e, 1.0], np.r_[e, 1.0]]
            box_rhs += [-lo[i], hi[i]]
    found = 0
    for bits in itertools.product([False, True], repeat=network.architecture.n_neurons):
        rows, rhs, ok = list(box_rows), list(box_rhs), True
        for (g, h), active in zip(pieces(network, bits, origin, basis), bits):
            norm = np.linalg.norm(g)
            if norm < 1e-12:
                ok = (h > 1e-12) == active
                if not ok:
                    break
                continue
            s = 1.0 if active else -1.0
            rows.append(np.r_[-s * g / norm, 1.0])
            rhs.append(s * h / norm)
        if not ok:
            continue
        res = linprog(np.r_[np.zeros(dim), -1.0], A_ub=np.array(rows) if rows else None,
                      b_ub=np.array(rhs) if rhs else None, bounds=[(None, None)] * dim + [(None, cap)], method="highs")
        assert res.status == 0, res.message
        found += -res.fun > tol
    return found


# -- box ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("arch", "seed"), [(SMALL, 0), (SMALL, 1), (paper_architecture("example4-d2"), 2)])
@pytest.mark.parametrize("half", [0.05, 0.5])
def test_box_count_matches_brute_force(arch, seed, half):
    net = he_network(arch, seed)
    dim = arch.input_dim
    center = np.random.default_rng(seed).normal(scale=0.3, size=dim)
    lo, hi = center - half, center + half
    ours = count_regions(net, domain=Box(lo, hi)).regions
    assert ours == reference_count(net, origin=np.zeros(dim), basis=np.eye(dim), lo=lo, hi=hi)


@pytest.mark.parametrize("seed", [0, 3])
def test_box_counts_grow_to_the_unbounded_count(seed):
    net = he_network(Architecture({"height": 4, "width": 4, "channels": 1},
                                  [{"channels": 2, "kernel": [3, 3], "stride": 2, "padding": 1},
                                   {"type": "dense", "features": 4}]), seed)
    total = count_regions(net).regions
    counts = [count_regions(net, domain=Box(-h, h)).regions for h in (1e-3, 0.03, 0.3, 3.0, 30.0, 1e4)]
    assert counts == sorted(counts)                   # nested boxes: never fewer regions
    assert all(c <= total for c in counts)            # never more than in all of the input space
    assert counts[0] < counts[-1] == total            # and a box large enough meets every region
    assert counts[0] >= 1


def test_box_witnesses_lie_in_the_box_and_have_their_pattern():
    net = he_network(SMALL, 4)
    lo, hi = np.full(9, -0.2), np.full(9, 0.3)
    for region in iter_regions(net, domain=Box(lo, hi)):
        assert np.all(region.witness > lo) and np.all(region.witness < hi)
        assert np.array_equal(net.activation_patterns(region.witness)[0], region.pattern)


def test_box_with_array_bounds_in_input_shape():
    net = he_network(SMALL, 0)
    lo = -np.ones((1, 3, 3))
    assert count_regions(net, domain=Box(lo, 1.0)).regions == count_regions(net, domain=Box(-1.0, 1.0)).regions


@pytest.mark.parametrize(("lo", "hi", "message"), [
    (1.0, 0.0, "lo < hi"), (np.zeros(4), 1.0, "1 or 9 values"), (0.0, np.inf, "finite"), (0.0, 1e-12, "ball of radius"),
])
def test_bad_boxes(lo, hi, message):
    with pytest.raises(InvalidParameterError, match=message):
        count_regions(he_network(SMALL, 0), domain=Box(lo, hi))


# -- plane --------------------------------------------------------------------------------

def composed_network(net, plane):
    """The network restricted to the plane, built explicitly: a 2-input net of dense layers whose
    first layer is ``M1 (x0 + B v) + c1`` and whose later layers are the dense forms of the rest."""
    (M1, c1), *rest = net.affine_maps
    basis = np.stack([plane.x1 - plane.x0, plane.x2 - plane.x0], axis=1)
    weights = [M1 @ basis] + [M for M, _ in rest]
    biases = [c1 + M1 @ plane.x0] + [c for _, c in rest]
    arch = Architecture({"height": 1, "width": 1, "channels": 2},
                        [{"type": "dense", "features": int(w.shape[0])} for w in weights])
    return Network(arch, tuple(weights), tuple(biases))


PLANE_NET = Architecture({"height": 5, "width": 5, "channels": 2},
                         [{"channels": 3, "kernel": [3, 3], "stride": 2, "padding": 1},
                          {"channels": 2, "kernel": [2, 2], "stride": 1},
                          {"type": "dense", "features": 6}])


@pytest.mark.parametrize("seed", [0, 2])
def test_plane_count_equals_the_composed_network(seed):
    net = he_network(PLANE_NET, seed)
    x0, x1, x2 = np.random.default_rng(seed).normal(size=(3, 2, 5, 5))
    plane = Plane(x0, x1, x2)
    composed = composed_network(net, plane)
    # the composed net computes the same pre-activations on the plane
    v = np.random.default_rng(9).normal(size=(50, 2))
    xs = plane.x0 + v @ np.stack([plane.x1 - plane.x0, plane.x2 - plane.x0])
    for a, b in zip(net.preactivations(xs), composed.preactivations(v)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    assert count_regions(net, domain=plane).regions == count_regions(composed).regions
    window = (-0.5, 1.5, -0.25, 1.0)
    windowed = count_regions(net, domain=Plane(x0, x1, x2, window)).regions
    assert windowed == count_regions(composed, domain=Box([window[0], window[2]], [window[1], window[3]])).regions
    assert 1 <= windowed <= count_regions(net, domain=plane).regions


@pytest.mark.parametrize("seed", [0, 5])
def test_plane_count_matches_brute_force(seed):
    net = he_network(SMALL, seed)
    x0, x1, x2 = np.random.default_rng(seed).normal(size=(3, 9))
    basis = np.stack([x1 - x0, x2 - x0], axis=1)
    assert count_regions(net, domain=Plane(x0, x1, x2)).regions == reference_count(net, origin=x0, basis=basis)
    window = (0.0, 1.0, -0.5, 0.5)
    ours = count_regions(net, domain=Plane(x0, x1, x2, window)).regions
    assert ours == reference_count(net, origin=x0, basis=basis, lo=np.array([0.0, -0.5]), hi=np.array([1.0, 0.5]))


def test_plane_coordinates_and_witnesses():
    net = he_network(PLANE_NET, 1)
    x0, x1, x2 = np.random.default_rng(3).normal(size=(3, 50))
    plane = Plane(x0, x1, x2, (-1.0, 2.0, -1.0, 2.0))
    for region in iter_regions(net, domain=plane):
        a, b = region.coords
        assert -1 < a < 2 and -1 < b < 2
        np.testing.assert_allclose(region.witness, x0 + a * (x1 - x0) + b * (x2 - x0), rtol=1e-12, atol=1e-12)
        assert np.array_equal(net.activation_patterns(region.witness)[0], region.pattern)


@pytest.mark.parametrize(("points", "window", "message"), [
    ((np.zeros(9), np.ones(9), 2 * np.ones(9)), None, "collinear"),
    ((np.zeros(9), np.eye(9)[0], np.zeros(8)), None, "same size"),
    ((np.zeros(9), np.eye(9)[0], np.eye(9)[1]), (1.0, 0.0, 0.0, 1.0), "a_lo < a_hi"),
    ((np.zeros(4), np.eye(4)[0], np.eye(4)[1]), None, "input size 9"),
])
def test_bad_planes(points, window, message):
    with pytest.raises(InvalidParameterError, match=message):
        count_regions(he_network(SMALL, 0), domain=Plane(*points, window=window))


# -- the bounded-domain screening is an optimisation only -----------------------------------

def _patterns(problem):
    from cnnregions.lpsearch.search import Search

    search = Search(problem)
    found = {search.pattern.tobytes() for _ in search.dfs(search.root())}
    return found, search.lps


def _domains(seed):
    """A windowed plane through three inputs of PLANE_NET, and a small box around a point of SMALL."""
    x0, x1, x2 = np.random.default_rng(seed).normal(size=(3, 50))
    center = np.random.default_rng(seed).normal(scale=0.3, size=9)
    return [(he_network(PLANE_NET, seed), Plane(x0, x1, x2, (-1.0, 2.0, -1.0, 2.0))),
            (he_network(SMALL, seed), Box(center - 2.0, center + 2.0))]


@pytest.mark.parametrize("seed", [0, 1])
def test_bounding_box_screening_changes_no_pattern(seed):
    import dataclasses

    from cnnregions.core.problem import build_problem

    for net, domain in _domains(seed):
        problem = build_problem(net, domain)
        assert problem.root_box is not None
        screened, lps_screened = _patterns(problem)
        plain, lps_plain = _patterns(dataclasses.replace(problem, root_box=None))
        assert screened == plain and len(plain) > 5
        assert lps_screened <= lps_plain          # and it never costs an LP


def test_domain_counts_do_not_depend_on_jobs():
    for net, domain in _domains(3):
        one, two = (count_regions(net, domain=domain, n_jobs=n, split=8) for n in (1, 2))
        assert (one.regions, one.lps, one.nodes) == (two.regions, two.lps, two.nodes)


# -- domains do their own work: a new domain is one class --------------------------

class Shifted(Domain):
    """All of the input space seen from ``shift`` (x = shift + v): a domain written only against Domain."""

    def __init__(self, shift):
        self.shift = np.asarray(shift, dtype=float)

    def input_map(self, dim):
        return self.shift, None

    def rows(self, dim):
        return np.zeros((0, dim)), np.zeros(0)

    def bounding_box(self, dim):
        return None

    def root_ball(self, dim):
        return np.zeros(dim), np.inf

    def digest(self):
        return self._hash(self.shift)

    def to_dict(self):
        return {"type": "shifted", "shift": self.shift.tolist()}

    def summary(self):
        return f"all of the input space, from {self.shift.tolist()}"


def test_a_new_domain_needs_only_its_own_class(tmp_path):
    # translating the input coordinates moves every region and changes none: Example 1's d^3 + d^2 + d + 1
    net = he_network(paper_architecture("example1-d3"), seed=0)
    shifted = Shifted([0.3, -0.2, 0.5])
    assert count_regions(net, domain=shifted).regions == 3**3 + 3**2 + 3 + 1
    first = count_regions(net, domain=shifted, split=4, checkpoint=tmp_path / "c.ckpt")
    again = count_regions(net, domain=shifted, split=4, checkpoint=tmp_path / "c.ckpt")
    assert first.regions == again.regions == 40 and again.reused_subtrees == again.subtrees
    with pytest.raises(InvalidParameterError, match="checkpoint"):   # another shift is another domain
        count_regions(net, domain=Shifted([0.3, -0.2, 0.6]), split=4, checkpoint=tmp_path / "c.ckpt")


def test_domain_digests_are_those_checkpoints_always_recorded():
    # the digest moved from the driver into the domains: existing checkpoint files must still match
    def old(domain):
        digest = hashlib.sha256(type(domain).__name__.encode())
        arrays = (domain.lo, domain.hi) if isinstance(domain, Box) else (domain.x0, domain.x1, domain.x2)
        for arr in arrays:
            digest.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        if isinstance(domain, Plane):
            digest.update(repr(domain.window).encode())
        return digest.hexdigest()

    x = np.arange(4.0)
    for domain in (Box(-1, 2), Box(np.zeros(4), np.arange(1.0, 5.0)), Plane(x, x + 1, x ** 2),
                   Plane(x, x + 1, x ** 2, window=(-1, 1, 0, 2))):
        assert domain.digest() == old(domain)
    assert Space().digest() is None
    assert Plane(x, x + 1, x ** 2, labels=("a", "b", "c")).digest() == Plane(x, x + 1, x ** 2).digest()


def test_domains_describe_themselves():
    x = np.arange(4.0)
    assert Space().to_dict() == {"type": "space"} and Space().summary() == "all of the input space"
    assert Box(-0.5, 0.5).to_dict() == {"type": "box", "lo": -0.5, "hi": 0.5}
    assert Box(-0.5, 0.5).summary() == "open box -0.5 < x_i < 0.5"
    assert Box(np.zeros(2), np.ones(2)).to_dict() == {"type": "box", "lo": [0.0, 0.0], "hi": [1.0, 1.0]}
    plane = Plane(x, x + 1, x ** 2, window=(-1, 1, 0, 2), labels=("A.npy", "B.npy", "C.npy"))
    assert plane.to_dict() == {"type": "plane", "points": ["A.npy", "B.npy", "C.npy"], "window": [-1.0, 1.0, 0.0, 2.0]}
    assert plane.summary() == "plane through A.npy, B.npy, C.npy (window a in (-1, 1), b in (0, 2))"
    assert Plane(x, x + 1, x ** 2).summary() == "plane through three points (whole plane)"
    with pytest.raises(InvalidParameterError, match="'labels'"):
        Plane(x, x + 1, x ** 2, labels=("A.npy", "B.npy"))
