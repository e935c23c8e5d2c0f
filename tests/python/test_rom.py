# metarom.ReducedModel (python/src/rom.cpp): a POD-Galerkin ROM of the heat equation whose
# basis spans the run's invariant subspace reproduces the run to round-off; the ROM run from
# Python agrees with `metarom rom` on the same model file.
import json
import subprocess

import numpy as np
import pytest

import metarom


@pytest.fixture(scope="module")
def heat_pod(tmp_path_factory):
    s = metarom.simulate("heat", heat_dim=1, heat_nx=63, heat_steps=200, heat_snapshot_stride=10)
    pod = metarom.POD(r=3)
    pod.fit(s)
    path = tmp_path_factory.mktemp("rom") / "pod.h5"
    pod.save(str(path))
    return str(path)


def test_galerkin_rom_on_the_invariant_subspace_is_exact(heat_pod):
    model = metarom.ReducedModel(heat_pod)
    assert (model.model, model.reducer_type, model.latent_dim, model.n) == ("heat", "pod", 3, 63)
    run = model.run()
    full = model.simulate()
    assert run.rom == "galerkin" and run.latent.shape == (3, full.count)
    np.testing.assert_allclose(run.t, full.t, rtol=0, atol=1e-15)
    # The three sine modes are eigenvectors of the operator: the Galerkin ROM in their span,
    # stepped by the same Crank-Nicolson scheme, is the full run up to round-off.
    e = metarom.rom_errors(run.decoded, full)
    assert e["finite"] and e["rel_error"] < 1e-11
    assert run.online_seconds > 0 and run.steps == 200


def test_python_rom_agrees_with_the_command_line(heat_pod):
    run = metarom.ReducedModel(heat_pod).run()
    model = metarom.ReducedModel(heat_pod)
    full = model.simulate()
    ours = metarom.rom_errors(run.decoded, full)["rel_error"]
    out = subprocess.run([metarom.program(), "rom", "-m", heat_pod, "-json", "-quiet"], check=True,
                         capture_output=True, text=True).stdout
    cli = json.loads(out.strip().splitlines()[-1])
    assert cli["rom"] == "galerkin"
    assert ours == pytest.approx(cli["rel_error"], rel=1e-6, abs=1e-14)  # both at round-off level


def test_options_override_the_model_and_the_rom(heat_pod):
    model = metarom.ReducedModel(heat_pod, heat_kappa=3.0, rom_ts_type="beuler")
    assert any("heat_kappa" in e for e in model.extrapolation)  # trained at kappa = 1 only
    run = model.run()
    assert run.ts_type == "beuler"
    with pytest.raises(TypeError, match="unknown keyword rom_typo"):
        metarom.ReducedModel(heat_pod, rom_typo=1)
    with pytest.raises(metarom.Error):
        model.run(rom="nonsense")


def test_compare_returns_the_report_as_a_dict(tmp_path):
    s = metarom.simulate("heat", heat_dim=1, heat_nx=63, heat_steps=200, heat_snapshot_stride=10)
    metarom.write(str(tmp_path / "heat.h5"), s)
    report = metarom.compare(str(tmp_path / "heat.h5"), r=[3], reducers=["pod"], o=str(tmp_path / "out"))
    assert report["model"] == "heat" and report["latent_dims"] == [3]
    (row,) = [r for r in report["results"] if r["reducer"] == "pod"]
    assert row["rom_status"] == "ok"
    assert row["rom_rel_error"] < 1e-11  # the invariant subspace, as above
    with pytest.raises(metarom.Error, match="compare failed"):
        metarom.compare(str(tmp_path / "missing.h5"))


def test_learned_dynamics_fitted_from_python_match_the_command_line(tmp_path):
    s = metarom.simulate("heat", heat_dim=1, heat_nx=63, heat_steps=200, heat_snapshot_stride=10)
    data = str(tmp_path / "heat.h5")
    metarom.write(data, s)
    pod = metarom.POD(r=3)
    pod.fit(metarom.read(data), latent_dynamics="learned")
    assert "exact velocities" in pod.latent_dynamics  # from the heat model rebuilt from the provenance
    pod.save(str(tmp_path / "py.h5"))
    subprocess.run([metarom.program(), "fit", "pod", "-i", data, "-o", str(tmp_path / "cli.h5"), "-r", "3",
                    "-latent_dynamics", "learned", "-quiet"], check=True)
    errors = []
    for name in ("py", "cli"):
        model = metarom.ReducedModel(str(tmp_path / f"{name}.h5"))
        run = model.run(rom="learned")
        assert run.rom == "learned"
        errors.append(metarom.rom_errors(run.decoded, model.simulate())["rel_error"])
    # The same fit on the same data (exact velocities from the model, as the command line):
    # equal to round-off; and small, as the data lie in an invariant subspace of the operator.
    assert errors[0] == pytest.approx(errors[1], rel=1e-8)
    assert errors[0] < 1e-3
    with pytest.raises(metarom.Error, match="'learned' or 'closure'"):
        pod.fit(s, latent_dynamics="nonsense")


def test_hyper_reduction_fitted_from_python_matches_the_command_line(tmp_path):
    # The reaction model's f (λeᵘ) is not polynomial: hr_method="deim" samples it at DEIM rows.
    s = metarom.simulate("reaction", reaction_nx=12, reaction_ny=10, reaction_steps=40, reaction_t_final=0.1,
                         reaction_snapshot_stride=2)
    data = str(tmp_path / "re.h5")
    metarom.write(data, s)
    pod = metarom.POD(r=6, hr_method="deim", hr_modes=10)
    pod.fit(metarom.read(data))
    assert pod.hyper_reduction["method"] == "deim" and pod.hyper_reduction["modes"] == 10
    assert len(pod.hyper_reduction["rows"]) == 10
    pod.save(str(tmp_path / "py.h5"))
    subprocess.run([metarom.program(), "fit", "pod", "-i", data, "-o", str(tmp_path / "cli.h5"), "-r", "6",
                    "-hr_method", "deim", "-hr_modes", "10", "-quiet"], check=True)
    runs = {}
    for name in ("py", "cli"):
        model = metarom.ReducedModel(str(tmp_path / f"{name}.h5"))
        runs[name] = model.run()  # the automatic ROM of a hyper-reduced model file
        assert runs[name].rom == "galerkin-hr"
    full = metarom.ReducedModel(str(tmp_path / "py.h5"))
    reference = full.simulate()
    e_hr = metarom.rom_errors(runs["py"].decoded, reference)["rel_error"]
    e_cli = metarom.rom_errors(runs["cli"].decoded, reference)["rel_error"]
    e_full = metarom.rom_errors(full.run(rom="manifold-galerkin").decoded, reference)["rel_error"]
    # The same rows from the same data as the command line (equal to round-off), and as accurate
    # as the Galerkin ROM that evaluates f everywhere (within 1.1x, as the command line's test).
    assert e_hr == pytest.approx(e_cli, rel=1e-8)
    assert e_hr <= 1.1 * e_full
    with pytest.raises(ValueError, match="SnapshotSet"):
        metarom.POD(r=6, hr_method="deim").fit(np.asfortranarray(s.X))
    with pytest.raises(metarom.Error, match="-ae_pod_modes 0"):
        metarom.Autoencoder(r=3, ae_pod_modes=0, hr_method="deim")
