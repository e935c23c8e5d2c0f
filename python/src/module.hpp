#pragma once
// What the binding files of the Python module share: the communicator a caller passes, NumPy
// arrays as Eigen matrices, and each file's part of the module.
#include <mpi.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "metarom/io/snapshots.hpp"
#include "metarom/types.hpp"

namespace metarom::python {

namespace py = pybind11;

// None: PETSC_COMM_WORLD; an mpi4py.MPI.Comm: its communicator (through its Fortran handle,
// which needs no mpi4py headers at build time).
MPI_Comm communicator(const py::object& comm);

// A 2-D array as a column-major matrix. No copy when it is Fortran-ordered float64 (the view
// keeps the array alive); C-ordered, strided, integer or float32 arrays are converted once.
// Raises TypeError for what is not a real array (complex, object, strings) and ValueError for
// the wrong number of dimensions or, where `rows` >= 0, of rows; `what` names the argument.
class MatrixArg {
 public:
  MatrixArg(const py::handle& value, const std::string& what, Index rows = -1);
  Eigen::Map<const Matrix> map() const { return {data_, rows_, cols_}; }
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }

 private:
  py::array_t<double, py::array::f_style> array_;
  const double* data_ = nullptr;
  Index rows_ = 0, cols_ = 0;
};
// A 1-D array of `size` values (any size when size < 0), as MatrixArg converts.
Vector vector_arg(const py::handle& value, const std::string& what, Index size = -1);

// progress=None: progress lines where a person watches (stderr is a terminal), as the command
// line shows them unless told to be quiet; True or False: as given.
bool show_progress(const py::object& progress);

// A writeable NumPy view of a matrix that `owner` (a Python object) keeps alive.
py::array matrix_view(Matrix& M, const py::handle& owner);
py::array vector_view(Vector& v, const py::handle& owner);

// The Python object of a snapshot set (the class bound by bind_io), taking ownership.
py::object to_python(SnapshotSet set);

void bind_io(py::module_& m);
void bind_reducers(py::module_& m);
void bind_models(py::module_& m);
void bind_rom(py::module_& m);
void bind_plugin(py::module_& m);

}  // namespace metarom::python
