// metarom.SnapshotSet, metarom.FieldLayout, metarom.read and metarom.write: snapshot sets
// (io/snapshots.hpp) between NumPy and HDF5 files. A set's arrays (X, t, mu) are NumPy views
// of the C++ set's memory: writing into them writes into the set.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "module.hpp"

namespace metarom::python {

namespace {

Attributes attributes_from(const py::dict& d) {
  Attributes a;
  for (const auto& [key, value] : d) {
    const std::string k = py::str(key).cast<std::string>();
    if (py::isinstance<py::bool_>(value)) a.set(k, static_cast<long long>(value.cast<bool>()));
    else if (py::isinstance<py::int_>(value)) a.set(k, value.cast<long long>());
    else if (py::isinstance<py::float_>(value)) a.set(k, value.cast<double>());
    else if (py::isinstance<py::str>(value)) a.set(k, value.cast<std::string>());
    else throw py::type_error(fmt::format("provenance['{}']: expected int, float or str", k));
  }
  return a;
}

py::dict attributes_to(const Attributes& a) {
  py::dict d;
  for (const auto& [key, value] : a) std::visit([&](const auto& v) { d[py::str(key)] = py::cast(v); }, value);
  return d;
}

}  // namespace

py::object to_python(SnapshotSet set) { return py::cast(std::move(set)); }

void bind_io(py::module_& m) {
  py::class_<FieldLayout>(m, "FieldLayout",
                          "How the n values of a state map onto a grid: dims[0] varies fastest, fields interleaved")
      .def(py::init([](std::vector<long long> dims, std::vector<std::string> fields, std::vector<double> lower,
                       std::vector<double> upper) {
             FieldLayout l;
             l.dims = std::move(dims);
             l.fields = std::move(fields);
             l.lower = std::move(lower);
             l.upper = std::move(upper);
             return l;
           }),
           py::arg("dims") = std::vector<long long>{}, py::arg("fields") = std::vector<std::string>{"u"},
           py::arg("lower") = std::vector<double>{}, py::arg("upper") = std::vector<double>{})
      .def_readwrite("dims", &FieldLayout::dims)
      .def_readwrite("fields", &FieldLayout::fields)
      .def_readwrite("lower", &FieldLayout::lower)
      .def_readwrite("upper", &FieldLayout::upper)
      .def_property_readonly("size", &FieldLayout::size)
      .def("__repr__", [](const FieldLayout& l) {
        return fmt::format("FieldLayout(dims={}, fields={})", py::str(py::cast(l.dims)).cast<std::string>(),
                           py::str(py::cast(l.fields)).cast<std::string>());
      });

  py::class_<SnapshotSet>(m, "SnapshotSet", R"(States of a full-order model, one column per snapshot.

X holds this rank's rows of the n x N state matrix (all rows on one rank); t the N times; mu
the p x N parameters of each snapshot, named by parameter_names; starts the first snapshot of
each trajectory of a parametric set. X, t and mu are NumPy views of the set's own memory.)")
      .def(py::init([](const py::handle& X, const py::object& t, const py::object& mu,
                       std::vector<std::string> parameter_names, std::vector<Index> starts,
                       std::optional<FieldLayout> layout, const py::dict& provenance, const py::object& comm) {
             const MatrixArg x(X, "X");
             SnapshotSet s;
             s.X = x.map();  // the set owns its states: one copy
             s.rows = RowPartition::of_local_rows(communicator(comm), x.rows());
             if (t.is_none()) s.t = Vector::LinSpaced(x.cols(), 0, static_cast<double>(x.cols() - 1));
             else s.t = vector_arg(t, "t", x.cols());
             if (!mu.is_none()) s.mu = MatrixArg(mu, "mu").map();
             s.parameter_names = std::move(parameter_names);
             s.starts = std::move(starts);
             if (layout) s.layout = *layout;
             s.provenance = attributes_from(provenance);
             s.validate("SnapshotSet");
             return s;
           }),
           py::arg("X"), py::arg("t") = py::none(), py::arg("mu") = py::none(),
           py::arg("parameter_names") = std::vector<std::string>{}, py::arg("starts") = std::vector<Index>{},
           py::arg("layout") = py::none(), py::arg("provenance") = py::dict(), py::arg("comm") = py::none(),
           "X: n x N (this rank's rows on several ranks); t: N times (default 0, 1, ...); mu: p x N")
      .def_property_readonly("X", [](py::object self) { return matrix_view(self.cast<SnapshotSet&>().X, self); },
                             "This rank's rows of the states, n_local x N (a view)")
      .def_property_readonly("t", [](py::object self) { return vector_view(self.cast<SnapshotSet&>().t, self); })
      .def_property_readonly("mu", [](py::object self) { return matrix_view(self.cast<SnapshotSet&>().mu, self); })
      .def_readonly("parameter_names", &SnapshotSet::parameter_names)
      .def_readonly("starts", &SnapshotSet::starts)
      .def_readwrite("layout", &SnapshotSet::layout)
      .def_property_readonly("provenance", [](const SnapshotSet& s) { return attributes_to(s.provenance); },
                             "What produced the data (a copy)")
      .def_property_readonly("n", &SnapshotSet::n, "State size (all ranks)")
      .def_property_readonly("count", &SnapshotSet::count, "Number of snapshots N")
      .def_property_readonly("rows", [](const SnapshotSet& s) { return py::make_tuple(s.rows.begin, s.rows.end); },
                             "The rows [begin, end) this rank holds")
      .def_property_readonly("trajectory_count", &SnapshotSet::trajectory_count)
      .def_property_readonly("complete", [](const SnapshotSet& s) { return s.complete; })
      .def("trajectory", &select_trajectory, py::arg("j"), "Trajectory j as a set of its own")
      .def("trajectory_parameters", &SnapshotSet::trajectory_parameters, py::arg("j"))
      .def("select", &select_snapshots, py::arg("first"), py::arg("last"), "Snapshots first..last-1 as a new set")
      .def("__len__", &SnapshotSet::count)
      .def("__repr__", [](const SnapshotSet& s) {
        return fmt::format("SnapshotSet(n={}, count={}, trajectories={}{})", s.n(), s.count(), s.trajectory_count(),
                           s.parameter_names.empty() ? "" : fmt::format(", parameters={}", py::str(py::cast(s.parameter_names)).cast<std::string>()));
      });

  m.def(
      "read",
      [](const std::string& path, const py::object& comm) {
        const MPI_Comm c = communicator(comm);
        py::gil_scoped_release release;
        return read_snapshots(path, c);
      },
      py::arg("path"), py::arg("comm") = py::none(),
      "A snapshot file (data/FORMAT.md) as a SnapshotSet, rows split over comm's ranks as PETSc splits them");
  m.def(
      "write",
      [](const std::string& path, const SnapshotSet& set) {
        py::gil_scoped_release release;
        write_snapshots(path, set);
      },
      py::arg("path"), py::arg("set"), "Writes the set to path atomically (collective over the set's ranks)");
  m.def("merge", &merge_trajectories, py::arg("sets"), py::arg("names"),
        "Joins sets (one or more trajectories each) into one parametric set; names label each part in errors");
}

}  // namespace metarom::python
