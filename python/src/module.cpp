// The Python module metarom._metarom (python/metarom/__init__.py re-exports it): PETSc is
// initialized by petsc4py before this module loads (it also finalizes PETSc at exit, after the
// objects are gone); metarom::Error surfaces as metarom.Error, a RuntimeError.
#include <fmt/format.h>
#include <petscsys.h>

#include "metarom/error.hpp"
#include "metarom/linalg/blas.hpp"
#include "metarom/plugin/plugin.hpp"
#include "metarom/version.hpp"
#include "module.hpp"

namespace metarom::python {

MPI_Comm communicator(const py::object& comm) {
  if (comm.is_none()) return PETSC_COMM_WORLD;
  if (!py::hasattr(comm, "py2f"))
    throw py::type_error(fmt::format("comm: expected an mpi4py.MPI.Comm or None, got {}",
                                     py::str(py::type::of(comm)).cast<std::string>()));
  return MPI_Comm_f2c(comm.attr("py2f")().cast<MPI_Fint>());
}

bool show_progress(const py::object& progress) {
  if (!progress.is_none()) return progress.cast<bool>();
  const py::object err = py::module_::import("sys").attr("stderr");
  return !err.is_none() && py::hasattr(err, "isatty") && err.attr("isatty")().cast<bool>();
}

MatrixArg::MatrixArg(const py::handle& value, const std::string& what, Index rows) {
  if (!py::isinstance<py::array>(value) && !py::isinstance<py::list>(value) && !py::isinstance<py::tuple>(value))
    throw py::type_error(fmt::format("{}: expected a NumPy array, got {}", what,
                                     py::str(py::type::of(value)).cast<std::string>()));
  const py::array any = py::array::ensure(value);
  if (!any) throw py::type_error(fmt::format("{}: cannot be read as an array", what));
  const char kind = any.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw py::type_error(fmt::format("{}: expected real numbers (float64), got dtype {}", what,
                                     py::str(any.dtype()).cast<std::string>()));
  if (any.ndim() != 2)
    throw py::value_error(fmt::format("{}: expected a 2-D array, got {} dimension{}", what, any.ndim(),
                                      any.ndim() == 1 ? "" : "s"));
  array_ = py::array_t<double, py::array::f_style>::ensure(any);  // the same array when already F-ordered float64
  rows_ = array_.shape(0);
  cols_ = array_.shape(1);
  data_ = array_.data();
  if (rows >= 0 && rows_ != rows)
    throw py::value_error(fmt::format("{}: expected {} rows, got an array of shape ({}, {})", what, rows, rows_, cols_));
}

Vector vector_arg(const py::handle& value, const std::string& what, Index size) {
  const py::array any = py::array::ensure(value);
  if (!any || (any.dtype().kind() != 'f' && any.dtype().kind() != 'i' && any.dtype().kind() != 'u'))
    throw py::type_error(fmt::format("{}: expected a 1-D array of real numbers", what));
  if (any.ndim() != 1) throw py::value_error(fmt::format("{}: expected a 1-D array, got {} dimensions", what, any.ndim()));
  const auto a = py::array_t<double, py::array::forcecast>::ensure(any);
  if (size >= 0 && a.shape(0) != size)
    throw py::value_error(fmt::format("{}: expected {} values, got {}", what, size, a.shape(0)));
  Vector v(a.shape(0));
  for (Index i = 0; i < v.size(); ++i) v(i) = a.at(i);
  return v;
}

py::array matrix_view(Matrix& M, const py::handle& owner) {
  return py::array_t<double>({M.rows(), M.cols()},
                             {static_cast<Index>(sizeof(double)), static_cast<Index>(sizeof(double)) * M.rows()},
                             M.data(), owner);
}

py::array vector_view(Vector& v, const py::handle& owner) {
  return py::array_t<double>({v.size()}, {static_cast<Index>(sizeof(double))}, v.data(), owner);
}

}  // namespace metarom::python

namespace py = pybind11;

PYBIND11_MODULE(_metarom, m) {
  using namespace metarom::python;
  m.doc() = "metarom: reduced-order models (POD, autoencoders, meta-autoencoders) and latent ROMs";
  PetscBool initialized = PETSC_FALSE;
  PetscInitialized(&initialized);
  if (!initialized) throw metarom::Error("metarom._metarom: PETSc is not initialized (import metarom, not _metarom)");
  metarom::configure_blas_threads_from_options(PETSC_COMM_WORLD);
  if (metarom::register_petsc_types()) throw metarom::Error("metarom: registering the PETSc types (TS rom, TSTrajectory metarom) failed");
  m.attr("__version__") = metarom::version_string;
  py::register_exception<metarom::Error>(m, "Error", PyExc_RuntimeError);
  bind_io(m);
  bind_reducers(m);
  bind_models(m);
  bind_rom(m);
  bind_plugin(m);
}
