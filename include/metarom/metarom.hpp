#pragma once
// Everything metarom offers to programs, layer by layer (docs/design.md describes the
// layers): every public header. Programs may include single headers instead. The test
// `headers` checks that this list is complete and that each header compiles alone.
#include "metarom/error.hpp"
#include "metarom/program.hpp"
#include "metarom/types.hpp"
#include "metarom/version.hpp"

#include "metarom/io/attributes.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/petsc_import.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshot_reader.hpp"
#include "metarom/io/snapshot_stream.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/io/text_file.hpp"

#include "metarom/linalg/incremental_svd.hpp"
#include "metarom/linalg/optimal_low_rank_map.hpp"
#include "metarom/linalg/randomized_svd.hpp"
#include "metarom/linalg/svd.hpp"
#include "metarom/linalg/tsqr.hpp"

#include "metarom/models/burgers.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/model.hpp"
#include "metarom/models/poisson.hpp"
#include "metarom/models/qg.hpp"

#include "metarom/nn/mlp.hpp"

#include "metarom/optim/adam.hpp"
#include "metarom/optim/fista.hpp"
#include "metarom/optim/tao_trainer.hpp"
#include "metarom/optim/trainer.hpp"

#include "metarom/reducers/autoencoder.hpp"
#include "metarom/reducers/gauss_newton_encoder.hpp"
#include "metarom/reducers/linear_autoencoder.hpp"
#include "metarom/reducers/linear_inverse_map.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/reducers/neural_reducer.hpp"
#include "metarom/reducers/normalization.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/reducers/reducer_file.hpp"
#include "metarom/reducers/sparse_autoencoder.hpp"

#include "metarom/rom/flow_statistics.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/rom/latent_integration.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/rom/manifold_rom.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/rom/reduced_model.hpp"
#include "metarom/rom/rom_run.hpp"

#include "metarom/plugin/plugin.hpp"
