/* final_state_error A.h5 B.h5: prints ||a - b|| / ||b|| for the one data set each file holds
   (a Vec written by PETSc's VecView to an HDF5 viewer, e.g. -ts_view_solution hdf5:A.h5;
   DMDA Vecs are written in natural ordering, so the files do not depend on the rank
   count). The tutorial bench's check of a reduced run's final state against the full run's. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static herr_t first_dataset(hid_t group, const char *name, const H5L_info_t *info, void *out) {
  H5O_info_t oinfo;
  (void)info;
  if (H5Oget_info_by_name(group, name, &oinfo, H5P_DEFAULT) < 0 || oinfo.type != H5O_TYPE_DATASET) return 0;
  snprintf((char *)out, 256, "%s", name);
  return 1; /* stop at the first data set */
}

/* The values of the file's first data set at its root; their count in *n. */
static double *read_values(const char *path, hsize_t *n) {
  char name[256] = "";
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), set, space;
  double *values;
  if (file < 0) {
    fprintf(stderr, "final_state_error: cannot open %s\n", path);
    exit(2);
  }
  H5Literate(file, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, first_dataset, name);
  if (!name[0]) {
    fprintf(stderr, "final_state_error: %s holds no data set\n", path);
    exit(2);
  }
  set = H5Dopen2(file, name, H5P_DEFAULT);
  space = H5Dget_space(set);
  *n = (hsize_t)H5Sget_simple_extent_npoints(space);
  values = malloc(*n * sizeof *values);
  if (!values || H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
    fprintf(stderr, "final_state_error: cannot read %s:%s\n", path, name);
    exit(2);
  }
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  return values;
}

int main(int argc, char **argv) {
  hsize_t na, nb, i;
  double *a, *b, diff = 0, ref = 0;
  if (argc != 3) {
    fprintf(stderr, "usage: final_state_error A.h5 B.h5\n");
    return 2;
  }
  a = read_values(argv[1], &na);
  b = read_values(argv[2], &nb);
  if (na != nb) {
    fprintf(stderr, "final_state_error: %llu values against %llu\n", (unsigned long long)na, (unsigned long long)nb);
    return 2;
  }
  for (i = 0; i < na; i++) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    ref += b[i] * b[i];
  }
  printf("%.6e\n", sqrt(diff) / (ref > 0 ? sqrt(ref) : 1));
  free(a);
  free(b);
  return 0;
}
