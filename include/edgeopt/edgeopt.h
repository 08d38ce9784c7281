/* edgeopt: umbrella header. Include this, or only the module headers you use. */
#ifndef EDGEOPT_H
#define EDGEOPT_H

#include "edgeopt/core.h"
#include "edgeopt/kernels.h"
#include "edgeopt/qkernels.h"
#include "edgeopt/parallel.h"
#include "edgeopt/objective.h"
#include "edgeopt/optim.h"
#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"
#include "edgeopt/model.h"
#include "edgeopt/compress.h"
#include "edgeopt/data.h"
#include "edgeopt/plot.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/train.h"
#include "edgeopt/qmodel.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/deploy.h"
#include "edgeopt/landscape.h"
#include "edgeopt/tune.h"

#endif
