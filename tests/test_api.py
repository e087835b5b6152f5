"""The public surface: top-level names, one home for the exceptions, complete __all__s, no private names."""

import importlib
import inspect
import pkgutil

import pytest

import cnnregions as cr
import cnnregions.core
import cnnregions.run
from cnnregions import errors


def _modules():
    for info in pkgutil.walk_packages(cr.__path__, "cnnregions."):
        if not info.name.endswith("__main__"):      # running it is its only purpose
            yield importlib.import_module(info.name)


def test_counting_from_the_top_level():
    net = cr.he_network(cr.paper_architecture("example1-d3"), seed=0)
    count = cr.count_regions(net)
    assert isinstance(count, cr.RegionCount)
    assert count.regions == 3**3 + 3**2 + 3 + 1            # Example 1: d^3 + d^2 + d + 1
    assert sum(1 for _ in cr.iter_regions(net)) == count.regions
    box = cr.count_regions(net, domain=cr.Box(-1e6, 1e6)).regions   # a box that holds every region
    assert box == count.regions


def test_every_exception_has_one_home_and_a_common_base():
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.CnnRegionsError)
        assert getattr(cr, name) is cls
        for module in _modules():
            value = getattr(module, name, None)
            assert value is None or value is cls, (module.__name__, name)  # re-exported, never redefined
    for module in _modules():
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                assert module is errors, f"{module.__name__}.{name} is an exception defined outside errors.py"


def test_a_budget_overrun_is_not_a_type_or_parameter_error():
    from cnnregions.theory import eq4

    assert not issubclass(cr.ComputationTooLargeError, (TypeError, ValueError, cr.InvalidParameterError))
    arch = cr.paper_architecture("pitfall2d-d3")    # 2-D filters: eq. (4) needs the budgeted dynamic program
    with pytest.raises(cr.ComputationTooLargeError) as info:
        eq4(arch, max_states=1)
    assert "max_states=1" in str(info.value)
    assert not isinstance(info.value, TypeError)
    assert eq4(arch) == eq4(arch, max_states=None)     # without a budget it is computed


@pytest.mark.parametrize("module", list(_modules()), ids=lambda m: m.__name__)
def test_all_is_complete_and_public(module):
    names = getattr(module, "__all__", None)
    if module.__name__.rsplit(".", 1)[-1].startswith("_") and names is None:
        return                                      # private helper modules need no __all__
    assert names is not None, f"{module.__name__} has no __all__"
    for name in names:
        assert hasattr(module, name), name
        assert not name.startswith("_") or name == "__version__", f"{module.__name__} exports private {name}"
    defined = [n for n, v in vars(module).items()
               if not n.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v))
               and getattr(v, "__module__", None) == module.__name__]
    missing = sorted(set(defined) - set(names))
    assert not missing, f"{module.__name__} defines public {missing} but leaves them out of __all__"


def test_solver_internals_are_not_public():
    for package in (cr, cr.core, cr.run):
        assert not hasattr(package, "LPStatus") and "LPStatus" not in package.__all__
    import cnnregions.sampling as sampling

    assert not any(name.startswith("_") for name in sampling.__all__)
    assert not hasattr(sampling, "_Keys") and not hasattr(sampling, "_PatternSampler")


def test_a_subcommand_that_fails_to_import_is_an_error(monkeypatch):
    from cnnregions import cli

    monkeypatch.setattr(cli, "SUBCOMMANDS", (*cli.SUBCOMMANDS, "no_such_subcommand"))
    with pytest.raises(ModuleNotFoundError, match="no_such_subcommand"):
        cli.build_parser()
