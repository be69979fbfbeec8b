//! Python bindings of negsim: scenarios, `run`, `sweep` and `per_run`, each a thin call into
//! the library with the GIL released while it simulates (on every core, through rayon).
//! The Python package (`negsim/__init__.py`) wraps these functions in result classes.

use negsim::engine::dist::Dist;
use negsim::engine::montecarlo::Control;
use negsim::engine::protocol::End;
use negsim::error::{Error, InputError};
use negsim::progress::Progress;
use negsim::provenance::{self, Provenance};
use negsim::request::{
    Overrides, ResolvedSim, load_source, simulate_report, simulate_worlds_report, with_threads,
};
use negsim::scenario::slots::all_slots;
use negsim::scenario::{self, Scenario};
use negsim::study::per_run::{PerRun, Record};
use negsim::study::sweep::Sweep;
use negsim::study::tidy::{self, Layout, Output};
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

create_exception!(
    negsim,
    ScenarioError,
    PyValueError,
    "Invalid input: a scenario, a parameter path or a setting. The message is the command line's, with file:line:col where known."
);

/// Invalid input as a `ScenarioError` with the CLI's message.
fn input_err(e: InputError) -> PyErr {
    ScenarioError::new_err(e.to_string())
}

/// A library error: invalid input as `ScenarioError`, I/O as `OSError`.
fn lib_err(e: Error) -> PyErr {
    match e {
        Error::Input(i) => input_err(i),
        io @ Error::Io { .. } => PyOSError::new_err(io.to_string()),
    }
}

/// A validated scenario and the TOML text it was read from.
#[pyclass(name = "Scenario", module = "negsim", frozen)]
struct PyScenario {
    source: String,
    origin: String,
    scenario: Scenario,
}

impl PyScenario {
    fn parse(source: String, origin: String) -> PyResult<PyScenario> {
        let scenario = Scenario::from_toml_str(&source, &origin).map_err(input_err)?;
        Ok(PyScenario {
            source,
            origin,
            scenario,
        })
    }
}

/// Converts a Python value (dict, list, str, bool, int, float) to a TOML value.
fn to_toml(v: &Bound<'_, PyAny>, at: &str) -> PyResult<toml::Value> {
    if v.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(v.extract().map_err(|_| {
            ScenarioError::new_err(format!("{at}: the integer is too large"))
        })?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(v.extract()?));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, x) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("{at}: keys must be strings")))?;
            let inner = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            t.insert(k, to_toml(&x, &inner)?);
        }
        return Ok(toml::Value::Table(t));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items = v
            .try_iter()?
            .enumerate()
            .map(|(i, x)| to_toml(&x?, &format!("{at}[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(toml::Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "{at}: cannot put a {} in a scenario (use dict, list, str, bool, int or float)",
        v.get_type().name()?
    )))
}

/// A number as a sweep token: the shortest text that reads back as the same float.
fn number_token(x: f64, path: &str) -> PyResult<String> {
    if !x.is_finite() {
        return Err(ScenarioError::new_err(format!(
            "--param: `{path}`: {x} is not a finite number"
        )));
    }
    Ok(format!("{x:?}"))
}

/// A Python value as one element of a sweep's value list (`--param PATH=VALUES`): numbers,
/// booleans, strings (quoted, so they are never read as numbers), `{"normal": [m, sd]}`.
fn value_token(v: &Bound<'_, PyAny>, path: &str) -> PyResult<String> {
    if v.is_instance_of::<PyBool>() {
        let b: bool = v.extract()?;
        return Ok(b.to_string());
    }
    if v.is_instance_of::<PyInt>() {
        let i: i64 = v.extract()?;
        return Ok(i.to_string());
    }
    if v.is_instance_of::<PyFloat>() {
        return number_token(v.extract()?, path);
    }
    if v.is_instance_of::<PyString>() {
        let s: String = v.extract()?;
        if s.contains('"') {
            return Err(ScenarioError::new_err(format!(
                "--param: `{path}`: the string {s:?} contains a double quote"
            )));
        }
        return Ok(format!("\"{s}\""));
    }
    if let Ok(d) = v.cast::<PyDict>()
        && d.len() == 1
    {
        let (k, args) = d.iter().next().expect("one item");
        let kind: String = k.extract()?;
        let args: Vec<f64> = args.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{path}: a distribution is {{\"{kind}\": [numbers]}}"
            ))
        })?;
        let args = args
            .iter()
            .map(|&x| number_token(x, path))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(format!("dist:{kind}({})", args.join(",")));
    }
    Err(PyTypeError::new_err(format!(
        "{path}: a value is a number, bool, str or a distribution such as {{\"normal\": [0.3, 0.05]}}, not {}",
        v.get_type().name()?
    )))
}

#[pymethods]
impl PyScenario {
    /// Reads a scenario from TOML text, or from a file when given a path (a `str` without
    /// `=` or line break, or an `os.PathLike`).
    #[staticmethod]
    fn from_toml(py: Python<'_>, text_or_path: &Bound<'_, PyAny>) -> PyResult<PyScenario> {
        let path: Option<PathBuf> = if text_or_path.is_instance_of::<PyString>() {
            let s: String = text_or_path.extract()?;
            if s.contains(['\n', '=']) {
                return PyScenario::parse(s, "<string>".into());
            }
            Some(PathBuf::from(s))
        } else {
            let os = py.import("os")?;
            let p = os.call_method1("fspath", (text_or_path,))?;
            Some(PathBuf::from(p.extract::<String>()?))
        };
        let (source, origin) = load_source(path.as_deref()).map_err(input_err)?;
        PyScenario::parse(source, origin)
    }

    /// Builds a scenario from a dict shaped like the TOML file (tables as dicts).
    #[staticmethod]
    fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<PyScenario> {
        let toml::Value::Table(t) = to_toml(d.as_any(), "")? else {
            unreachable!("a dict converts to a table")
        };
        let source =
            toml::to_string(&t).map_err(|e| ScenarioError::new_err(format!("<dict>: {e}")))?;
        PyScenario::parse(source, "<dict>".into())
    }

    /// The scenario bundled with negsim.
    #[staticmethod]
    fn bundled() -> PyScenario {
        PyScenario {
            source: scenario::BUNDLED.to_string(),
            origin: scenario::BUNDLED_NAME.to_string(),
            scenario: Scenario::bundled(),
        }
    }

    /// A copy with values set at sweep paths, e.g. `{"agents.us.walk_away": 0.0}`; the paths
    /// and values are checked as `negsim sweep --param` checks them.
    fn with_params(&self, params: &Bound<'_, PyDict>) -> PyResult<PyScenario> {
        let mut specs = Vec::new();
        for (k, v) in params.iter() {
            let path: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("parameter paths are strings"))?;
            specs.push(format!("{path}={}", value_token(&v, &path)?));
        }
        if specs.is_empty() {
            return Ok(PyScenario {
                source: self.source.clone(),
                origin: self.origin.clone(),
                scenario: self.scenario.clone(),
            });
        }
        let sweep = Sweep::new(&self.source, &self.origin, &specs).map_err(input_err)?;
        Ok(PyScenario {
            source: sweep.source(0).map_err(input_err)?,
            origin: self.origin.clone(),
            scenario: sweep.scenario(0).map_err(input_err)?,
        })
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.scenario.name.clone()
    }

    /// Where it was read from (a path, `<string>` or `<dict>`); error messages name it.
    #[getter]
    fn origin(&self) -> String {
        self.origin.clone()
    }

    /// Its TOML text.
    #[getter]
    fn toml(&self) -> String {
        self.source.clone()
    }

    /// The agent ids, in file order.
    #[getter]
    fn agents(&self) -> Vec<String> {
        self.scenario.agents.iter().map(|a| a.id.clone()).collect()
    }

    /// The scenario's uncertain parameters, in the engine's draw order: for each a dict with
    /// `path` (its sweep path), `dist` (`"normal"`, `"uniform"` or `"triangular"`), `args`
    /// (as written in the file), `min`/`max` (the valid range samples are clamped to) and
    /// `low`/`high` (its 1% and 99% quantiles, clamped: a range for exploratory sampling).
    fn uncertainties<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let sc = &self.scenario;
        let mut out = Vec::new();
        for slot in all_slots(sc) {
            let Some(p) = slot.get(sc).filter(|p| p.is_uncertain()) else {
                continue;
            };
            let (kind, args) = match p.dist {
                Dist::Normal { mean, sd } => ("normal", vec![mean, sd]),
                Dist::Uniform { low, high } => ("uniform", vec![low, high]),
                Dist::Triangular { low, mode, high } => ("triangular", vec![low, mode, high]),
                Dist::Fixed(_) => continue,
            };
            let d = PyDict::new(py);
            d.set_item("path", slot.path(sc))?;
            d.set_item("dist", kind)?;
            d.set_item("args", args)?;
            d.set_item("min", p.min)?;
            d.set_item("max", p.max)?;
            d.set_item("low", p.quantile(0.01))?;
            d.set_item("high", p.quantile(0.99))?;
            out.push(d);
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!("Scenario({:?} from {})", self.scenario.name, self.origin)
    }
}

/// Runs, seed, deadlines and threads resolved against the scenario as the CLI resolves its
/// flags (same checks, same messages); independent runs, no worlds.
fn resolve(
    sc: &Scenario,
    runs: Option<u64>,
    seed: Option<u64>,
    deadlines: Option<Vec<u32>>,
    threads: Option<usize>,
) -> PyResult<ResolvedSim> {
    resolve_worlds(sc, runs, seed, deadlines, threads, Some(0))
}

/// As [`resolve`], with `worlds` as `--worlds` (`None`: the scenario's `worlds`).
fn resolve_worlds(
    sc: &Scenario,
    runs: Option<u64>,
    seed: Option<u64>,
    deadlines: Option<Vec<u32>>,
    threads: Option<usize>,
    worlds: Option<u64>,
) -> PyResult<ResolvedSim> {
    Overrides {
        runs,
        seed,
        deadlines,
        threads,
        worlds,
    }
    .resolve(sc)
    .map_err(input_err)
}

/// Simulates a scenario as `negsim run` does (worlds as `--worlds`, `None`: the scenario's);
/// returns `(json, csv, per_world)`: the texts of `negsim run --format json|csv`, and with
/// worlds a dict of each world's runs, agreements by deadline and zone of agreement.
#[pyfunction]
#[pyo3(signature = (scenario, runs=None, seed=None, deadlines=None, threads=None, worlds=None))]
fn run<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    runs: Option<u64>,
    seed: Option<u64>,
    deadlines: Option<Vec<u32>>,
    threads: Option<usize>,
    worlds: Option<u64>,
) -> PyResult<(String, String, Option<Bound<'py, PyDict>>)> {
    let sc = &scenario.scenario;
    let sim = resolve_worlds(sc, runs, seed, deadlines, threads, worlds)?;
    let control = Control::default();
    if sim.worlds.is_none() {
        let report = py.detach(|| simulate_report(sc, &sim, &control).map(|(_, r)| r));
        let report = report.map_err(lib_err)?;
        return Ok((report.to_json(), report.to_csv(), None));
    }
    let (report, out) = py
        .detach(|| simulate_worlds_report(sc, &sim, &control).map(|(_, r, o)| (r, o)))
        .map_err(lib_err)?;
    let per_world = PyDict::new(py);
    per_world.set_item("world", &out.ids)?;
    per_world.set_item("runs", &out.runs)?;
    per_world.set_item("agreements", &out.agreements)?;
    per_world.set_item("zopa", &out.zopa)?;
    let paths: Vec<String> = out.slots.iter().map(|s| s.path(sc)).collect();
    per_world.set_item("param_paths", paths)?;
    per_world.set_item("params", &out.params)?;
    Ok((report.to_json(), report.to_csv(), Some(per_world)))
}

/// A `Write` into a shared buffer, read back once the table is written.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs a sweep (`specs` as `negsim sweep --param`); returns the table text of `negsim sweep
/// --format csv|jsonl`.
#[pyfunction]
#[pyo3(signature = (scenario, specs, runs=None, seed=None, deadlines=None, threads=None, jsonl=false))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: &PyScenario,
    specs: Vec<String>,
    runs: Option<u64>,
    seed: Option<u64>,
    deadlines: Option<Vec<u32>>,
    threads: Option<usize>,
    jsonl: bool,
) -> PyResult<String> {
    let sweep = py
        .detach(|| Sweep::new(&scenario.source, &scenario.origin, &specs))
        .map_err(input_err)?;
    let sim = resolve(sweep.base(), runs, seed, deadlines, threads)?;
    let layout = Layout {
        format: if jsonl {
            tidy::Format::Jsonl
        } else {
            tidy::Format::Csv
        },
        keys: sweep.columns(),
        worlds: None,
    };
    let buf = Buffer::default();
    let result = py.detach(|| {
        let settings = sim.settings();
        let control = Control::default();
        let progress = Progress::new(false, &control, 0);
        let mut out = Output::new(Box::new(buf.clone()), "<memory>");
        out.write(&layout.header())?;
        with_threads(sim.threads, || {
            sweep.run(
                0,
                &settings,
                &layout,
                &mut out,
                &control,
                &progress,
                &mut |_, _| {},
            )
        })
        .map_err(|e| Error::io("<thread pool>", std::io::Error::other(e.to_string())))?
    });
    result.map_err(lib_err)?;
    let bytes = std::mem::take(&mut *buf.0.lock().expect("not poisoned"));
    String::from_utf8(bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Per-run columns gathered while the GIL is released.
#[derive(Default)]
struct Columns {
    run: Vec<u64>,
    deadline: Vec<u32>,
    params: Vec<Vec<f64>>,
    agreement: Vec<u32>,
    round: Vec<Option<u32>>,
    walked_out_by: Vec<Option<String>>,
    package: Vec<Option<String>>,
    utilities: Vec<Vec<Option<f64>>>,
}

impl Columns {
    fn push(&mut self, table: &PerRun, r: &Record) {
        self.run.push(r.run);
        self.deadline.push(r.deadline);
        for (c, &x) in self.params.iter_mut().zip(&r.params) {
            c.push(x);
        }
        let agreed = matches!(r.end, End::Agreement { .. });
        self.agreement.push(u32::from(agreed));
        self.round.push(match r.end {
            End::Agreement { round } | End::WalkOut { round, .. } => Some(round),
            End::Expired => None,
        });
        self.walked_out_by
            .push(table.walked_out_by(r).map(str::to_string));
        self.package.push(agreed.then(|| table.package_text(r)));
        for (a, c) in self.utilities.iter_mut().enumerate() {
            c.push(r.utilities.get(a).copied());
        }
    }
}

/// The per-run table: written to `path` (CSV, or JSON lines for `.jsonl`) exactly as
/// `negsim run --per-run path` writes it, returning None; or, without a path, returned as a
/// dict of columns.
#[pyfunction]
#[pyo3(signature = (scenario, runs=None, seed=None, deadlines=None, threads=None, path=None))]
fn per_run<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    runs: Option<u64>,
    seed: Option<u64>,
    deadlines: Option<Vec<u32>>,
    threads: Option<usize>,
    path: Option<PathBuf>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let sim = resolve(&scenario.scenario, runs, seed, deadlines, threads)?;
    let table = PerRun::new(&scenario.scenario, sim.settings());
    let control = Control::default();
    if let Some(path) = path {
        py.detach(|| with_threads(sim.threads, || table.write_file(&path, &control)))
            .map_err(lib_err)?
            .map_err(lib_err)?;
        return Ok(None);
    }
    let names = table.columns().to_vec();
    let agents = table.agents();
    let cols = py.detach(|| {
        let mut cols = Columns {
            params: vec![Vec::new(); names.len()],
            utilities: vec![Vec::new(); agents.len()],
            ..Columns::default()
        };
        with_threads(sim.threads, || {
            table.for_each_batch(&control, |batch| {
                batch.iter().for_each(|r| cols.push(&table, r));
                Ok::<(), ()>(())
            })
        })
        .map(|_| cols)
    });
    let cols = cols.map_err(lib_err)?;
    let n = cols.run.len();
    let d = PyDict::new(py);
    d.set_item("run", cols.run)?;
    d.set_item("deadline", cols.deadline)?;
    for (n, c) in names.iter().zip(cols.params) {
        d.set_item(n, c)?;
    }
    d.set_item("agreement", cols.agreement)?;
    d.set_item("round", cols.round)?;
    d.set_item("walked_out_by", cols.walked_out_by)?;
    d.set_item("package", cols.package)?;
    for (a, c) in agents.iter().zip(cols.utilities) {
        d.set_item(format!("utility_{a}"), c)?;
    }
    set_provenance(&d, &Provenance::of(&scenario.scenario, sim.seed), n)?;
    Ok(Some(d))
}

/// The provenance columns of a table of `n` rows, as the CLI's tables end with them.
fn set_provenance(d: &Bound<'_, PyDict>, p: &Provenance, n: usize) -> PyResult<()> {
    let [seed, protocol, round_label, mode, version] = provenance::COLUMNS;
    d.set_item(seed, vec![p.seed; n])?;
    d.set_item(protocol, vec![p.protocol.as_str(); n])?;
    d.set_item(round_label, vec![p.round_label.as_str(); n])?;
    d.set_item(mode, vec![p.mode; n])?;
    d.set_item(version, vec![provenance::VERSION; n])?;
    Ok(())
}

/// The extension module: `negsim._negsim`.
#[pymodule]
fn _negsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScenario>()?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(per_run, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
