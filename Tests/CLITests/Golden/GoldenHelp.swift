// The exact `latticeff … --help` text at 80 columns, per verb (HelpAndExitStatusTests).
// Regenerate: LATTICEFF_UPDATE_GOLDEN=1 swift test --filter HelpAndExitStatusTests
let goldenHelp: [String: String] = [
    "symmetry": #"""
OVERVIEW: Print the point group, its IRs and the IR content of a site's
neighbourhood.

USAGE: latticeff symmetry [--lattice <lattice>] [--group <group>] [--radius <radius>] [--json] [--output <output>]

OPTIONS:
  --lattice <lattice>     Lattice. (values: square, triangular; default: square)
  --group <group>         Point group (D4 = C4v on square; C6v = D6 or C3v,
                          C2v, C1v, … on triangular). Default: the lattice's
                          full group.
  --radius <radius>       Neighbourhood cutoff radius in lattice units (default
                          √13 ≈ 3.606). (default: 3.605551275463989)
  --json                  Print JSON instead of text.
  --output <output>       Also write the JSON report to this file.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "forces": #"""
OVERVIEW: Exact-diagonalization Holstein forces F_i = −k0 Q_i − κ Σ_nn Q_j +
g(⟨n_i⟩ − ½).

Q.npy holds float64 [L, L] or a batch [n, L, L] (site i = x + L·y, arrays
indexed [y, x]); outputs have the same shape. A batch runs several
configurations at once (one core each) or one at a time with a multithreaded
eigensolver, whichever is faster for the size; the choice is printed and
recorded.

USAGE: latticeff forces [<options>] <input> --output <output>

ARGUMENTS:
  <input>                 Input configurations Q (float64 .npy, [L, L] or [n,
                          L, L]).

HOLSTEIN MODEL:
  --filling <filling>     Filling: fixed-n (N_e = N/2, μ solved for every
                          configuration; the default) or fixed-mu (μ = --mu).
                          (values: fixed-n, fixed-mu)
  --mu <mu>               Chemical potential μ for --filling fixed-mu (default:
                          0, the particle–hole symmetric point).
  --temperature <temperature>
                          Temperature T (k_B = 1), ≥ 0: the electronic
                          temperature, for simulate also the bath's (default:
                          0.1).
  --coupling <coupling>   Electron–phonon coupling g (default: 3.5).
  --k0 <k0>               On-site stiffness k0 (default: 1.0).
  --kappa <kappa>         Nearest-neighbour elastic coupling κ (default: 0.18).
  --hopping <hopping>     Nearest-neighbour hopping t (default: 1.0).

OPTIONS:
  --output <output>       Output forces (float64 .npy, same shape as the input).
  --density <density>     Also write the densities ⟨n_i⟩ here.
  --json <json>           Also write μ, N_e, energies, parameters and timing
                          here (JSON).
  --strategy <strategy>   Batch strategy (auto: chosen by size). (values: auto,
                          parallel-configurations, multithreaded-solver;
                          default: auto)
  --quiet                 No progress output.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "generate": #"""
OVERVIEW: Generate an exact-diagonalization training set (random + post-quench
configurations).

Presets: 'paper' = 40×40, 200 random + 8 quench runs × 2000 steps with 50
snapshots each (400), about 75 min on 2 cores; 'small' = 12×12, 16 random + 2 ×
12 snapshots, seconds. Options override the preset. With --sampler-model a
trained model drives the quench runs and ED labels only the snapshots (kind
'quench-sampled'): about 40× fewer ED solves per run. Finished pieces are kept
in the work directory (default OUTPUT.parts): run the same command again to
resume after an interruption.

USAGE: latticeff generate [<options>] --output <output>

HOLSTEIN MODEL:
  --filling <filling>     Filling: fixed-n (N_e = N/2, μ solved for every
                          configuration; the default) or fixed-mu (μ = --mu).
                          (values: fixed-n, fixed-mu)
  --mu <mu>               Chemical potential μ for --filling fixed-mu (default:
                          0, the particle–hole symmetric point).
  --temperature <temperature>
                          Temperature T (k_B = 1), ≥ 0: the electronic
                          temperature, for simulate also the bath's (default:
                          0.1).
  --coupling <coupling>   Electron–phonon coupling g (default: 3.5).
  --k0 <k0>               On-site stiffness k0 (default: 1.0).
  --kappa <kappa>         Nearest-neighbour elastic coupling κ (default: 0.18).
  --hopping <hopping>     Nearest-neighbour hopping t (default: 1.0).

OPTIONS:
  --preset <preset>       Preset (options below override it). (values: paper,
                          small; default: small)
  --output <output>       Output dataset (.npz).
  --work-dir <work-dir>   Work directory for resumable pieces (default:
                          OUTPUT.parts).
  --size <size>           Lattice size L.
  --random <random>       Number of random configurations.
  --quench-runs <quench-runs>
                          Number of post-quench ED-Langevin runs.
  --quench-steps <quench-steps>
                          Langevin steps per quench run.
  --snapshots <snapshots> Snapshots per quench run (spread over the coarsening
                          history).
  --amplitudes <amplitudes>
                          Random-configuration amplitude range 'min,max' (std
                          of Q).
  --seed <seed>           Base seed. (default: 1)
  --sampler-model <sampler-model>
                          Drive the quench runs with this trained model (.npz)
                          instead of ED; ED labels the snapshots.
  --keep-parts            Keep the work directory after success.
  --quiet                 No progress output.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "dataset": #"""
OVERVIEW: Inspect, merge and split ED datasets (.npz from latticeff generate).

USAGE: latticeff dataset <subcommand>

OPTIONS:
  --version               Show the version.
  -h, --help              Show help information.

SUBCOMMANDS:
  info                    Print a dataset's size, kinds, parameters and force
                          spread.
  merge                   Concatenate datasets of one lattice size and one set
                          of Holstein parameters.
  split                   Write the training and validation parts of a dataset
                          as train uses them.

  See 'latticeff help dataset <subcommand>' for detailed help.

"""#,
    "dataset info": #"""
OVERVIEW: Print a dataset's size, kinds, parameters and force spread.

USAGE: latticeff dataset info <dataset>

ARGUMENTS:
  <dataset>               Dataset (.npz).

OPTIONS:
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "dataset merge": #"""
OVERVIEW: Concatenate datasets of one lattice size and one set of Holstein
parameters.

The output keeps the first input's metadata and records the inputs. μ is kept
only if every input has it; --recover-mu fills it in by ED where missing.

USAGE: latticeff dataset merge <inputs> ... --output <output> [--recover-mu] [--quiet]

ARGUMENTS:
  <inputs>                Input datasets (.npz), in order.

OPTIONS:
  --output <output>       Output dataset (.npz).
  --recover-mu            Recover missing chemical potentials by ED (one solve
                          per configuration).
  --quiet                 No progress output.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "dataset split": #"""
OVERVIEW: Write the training and validation parts of a dataset as train uses
them.

Default: every third configuration to validation (train's default split), or a
seeded random split with --val-fraction.

USAGE: latticeff dataset split <dataset> --training <training> --validation <validation> [--val-fraction <val-fraction>] [--split-seed <split-seed>] [--recover-mu] [--quiet]

ARGUMENTS:
  <dataset>               Dataset (.npz).

OPTIONS:
  --training <training>   Output for the training part (.npz).
  --validation <validation>
                          Output for the validation part (.npz).
  --val-fraction <val-fraction>
                          Validation fraction of a random split (default: every
                          third configuration).
  --split-seed <split-seed>
                          Seed of the random split. (default: 1)
  --recover-mu            Recover missing chemical potentials by ED first.
  --quiet                 No progress output.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "model": #"""
OVERVIEW: Create equivariant-network model files; inspect model files (ENN or
MLP, .npz).

USAGE: latticeff model <subcommand>

OPTIONS:
  --version               Show the version.
  -h, --help              Show help information.

SUBCOMMANDS:
  init                    Write a freshly initialised network (paper Table I by
                          default).
  info                    Print a model file's architecture (ENN or MLP),
                          parameter count, nonlinearity, input scales and
                          metadata.

  See 'latticeff help model <subcommand>' for detailed help.

"""#,
    "model init": #"""
OVERVIEW: Write a freshly initialised network (paper Table I by default).

USAGE: latticeff model init --seed <seed> [--gate <gate>] [--radius <radius>] [--widths <widths>] [--group <group>] [--lattice <lattice>] [--head <head>] --output <output>

OPTIONS:
  --seed <seed>           Seed of the weight initialisation (N(0, 1/auxiliary
                          width), zero biases).
  --gate <gate>           Gate. (values: smooth, reference; default: smooth)
  --radius <radius>       Neighbourhood cutoff radius (default √13). (default:
                          3.605551275463989)
  --widths <widths>       Hidden widths per IR, comma-separated, one number per
                          layer. (default: 32,8,4)
  --group <group>         Point group. (default: D4)
  --lattice <lattice>     Lattice. (values: square, triangular; default: square)
  --head <head>           Head: linear (the paper's) or fermi:K (K exact Fermi
                          steps in the site's own Q; docs/TRAINING.md).
                          (default: linear)
  --output <output>       Output model file (.npz).
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "model info": #"""
OVERVIEW: Print a model file's architecture (ENN or MLP), parameter count,
nonlinearity, input scales and metadata.

USAGE: latticeff model info <model> [--json]

ARGUMENTS:
  <model>                 Model file (.npz).

OPTIONS:
  --json                  Print the metadata as JSON.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "predict": #"""
OVERVIEW: Evaluate a model (ENN or MLP) on configurations Q ([L, L] or [n, L,
L] .npy) and write the forces.

USAGE: latticeff predict --model <model> <configurations> --output <output> [--threads <threads>] [--chemical-potential <chemical-potential>]

ARGUMENTS:
  <configurations>        Configurations: float64 (or float32) .npy of shape
                          [L, L] or [n, L, L], indexed [y, x].

OPTIONS:
  --model <model>         Model file (.npz).
  --output <output>       Output .npy (float64, same shape as the input).
  --threads <threads>     Worker threads (1 or 2). (default: 2)
  --chemical-potential <chemical-potential>
                          Evaluate a grand-canonical model at this chemical
                          potential instead of at the model's fixed electron
                          number: a number, or a .npy of one μ per
                          configuration.
        Only for models trained with --readout grand-canonical: they learn the
        μ = 0 map, and μ shifts every site energy. Without it, fixed-N models
        solve for the μ that gives half filling.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "simulate": #"""
OVERVIEW: Langevin dynamics of the Holstein lattice with ED or network forces
(checkpointed, resumable).

Scheme: velocity Verlet, then an exact Ornstein–Uhlenbeck velocity refresh (one
force evaluation per step).
SIGINT/SIGTERM stop at the next step boundary after writing a checkpoint;
--resume continues bit for bit.

USAGE: latticeff simulate [<options>] --output <output>

HOLSTEIN MODEL:
  --filling <filling>     Filling: fixed-n (N_e = N/2, μ solved for every
                          configuration; the default) or fixed-mu (μ = --mu).
                          (values: fixed-n, fixed-mu)
  --mu <mu>               Chemical potential μ for --filling fixed-mu (default:
                          0, the particle–hole symmetric point).
  --temperature <temperature>
                          Temperature T (k_B = 1), ≥ 0: the electronic
                          temperature, for simulate also the bath's (default:
                          0.1).
  --coupling <coupling>   Electron–phonon coupling g (default: 3.5).
  --k0 <k0>               On-site stiffness k0 (default: 1.0).
  --kappa <kappa>         Nearest-neighbour elastic coupling κ (default: 0.18).
  --hopping <hopping>     Nearest-neighbour hopping t (default: 1.0).

OPTIONS:
  --forces <forces>       Force field: ed (exact diagonalization), harmonic
                          (the exact g = 0 limit), cluster:R (exact
                          diagonalization of the radius-R cluster around each
                          site: linear in L, e.g. cluster:2.237) or a trained
                          MODEL.npz (ENN or MLP).
  --size <size>           Lattice size L (L×L sites, periodic).
  --steps <steps>         Steps per trajectory, in total (with --resume: the
                          new target, e.g. to extend a run).
  --dt <dt>               Time step dt (default: 0.05).
  --damping <damping>     Damping rate γ (default: 0.2).
  --mass <mass>           Mass m (default: 5.0).
  --init <init>           Initial state: random (reference hot start), zero,
                          checkerboard (ordered CDW with noise 0.1) or a
                          .npy/.npz FILE. (default: random)
  --seed <seed>           Base seed (default: random, recorded in params.json);
                          run r uses a seed derived from it.
  --runs <runs>           Number of independent trajectories R (default 1).
  --snapshot-every <snapshot-every>
                          Write a snapshot every n steps (default 50).
  --checkpoint-every <checkpoint-every>
                          Write a checkpoint every k steps (default 500).
  --timeseries-every <timeseries-every>
                          Append a time-series row every n steps (default 10).
  --output <output>       Run directory to create (or to continue with
                          --resume).
  --resume                Continue the run in --output from its checkpoints;
                          other options may be omitted.
  --quiet                 No progress lines on standard error.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "analyze": #"""
OVERVIEW: Analyze run directories: L(t), growth exponent, C(r), S(k), φ,
scaling collapse; compare two ensembles.

`latticeff analyze RUN_DIR` is short for `latticeff analyze run RUN_DIR`. See
docs/ANALYSIS.md.

USAGE: latticeff analyze <subcommand>

OPTIONS:
  --version               Show the version.
  -h, --help              Show help information.

SUBCOMMANDS:
  run (default)           Analyze one run directory (all its runs,
                          ensemble-averaged).
  compare                 Compare C(r) of two run directories (e.g. ML vs ED
                          dynamics, paper Fig. 5).

  See 'latticeff help analyze <subcommand>' for detailed help.

"""#,
    "analyze run": #"""
OVERVIEW: Analyze one run directory (all its runs, ensemble-averaged).

USAGE: latticeff analyze run <run-directory> [--output <output>] [--steps <steps>] [--fit-window <fit-window>] [--no-plots] [--gnuplot <gnuplot>] [--connected] [--threads <threads>]

ARGUMENTS:
  <run-directory>         Run directory (params.json, run-000/, run-001/, …).

OPTIONS:
  --output <output>       Output directory (default: RUN_DIR/analysis).
  --steps <steps>         Steps for C(r), S(q), S(k) maps, φ snapshots and the
                          collapse, e.g. 200,1000,9000 (default: first, middle,
                          last).
  --fit-window <fit-window>
                          Time window of the power-law fit L ~ t^α, 'tmin,tmax'
                          (default: the upper half of the log time range).
  --no-plots              Write numbers only (no PNG figures, gnuplot not
                          needed).
  --gnuplot <gnuplot>     gnuplot executable (default: $LATTICEFF_GNUPLOT or
                          gnuplot on PATH).
  --connected             Use the connected correlation ⟨(Q_i − Q̄)(Q_j − Q̄)⟩
                          instead of ⟨Q_i Q_j⟩.
  --threads <threads>     Worker threads (default: all cores). (default: 2)
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "analyze compare": #"""
OVERVIEW: Compare C(r) of two run directories (e.g. ML vs ED dynamics, paper
Fig. 5).

USAGE: latticeff analyze compare <first> <second> [--steps <steps>] --output <output> [--no-plots] [--gnuplot <gnuplot>] [--connected] [--threads <threads>]

ARGUMENTS:
  <first>                 First run directory (e.g. the ED dynamics, as
                          `reproduce` passes it).
  <second>                Second run directory (e.g. the ML dynamics).

OPTIONS:
  --steps <steps>         Steps to compare (each must be a snapshot of every
                          run of both). (default: 200,1000,9000)
  --output <output>       Output directory.
  --no-plots              Write numbers only (no PNG figures, gnuplot not
                          needed).
  --gnuplot <gnuplot>     gnuplot executable (default: $LATTICEFF_GNUPLOT or
                          gnuplot on PATH).
  --connected             Use the connected correlation ⟨(Q_i − Q̄)(Q_j − Q̄)⟩
                          instead of ⟨Q_i Q_j⟩.
  --threads <threads>     Worker threads (default: all cores). (default: 2)
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "bench": #"""
OVERVIEW: Measure the speed of LatticeFF's kernels.

USAGE: latticeff bench <subcommand>

OPTIONS:
  --version               Show the version.
  -h, --help              Show help information.

SUBCOMMANDS:
  features                Featurizer throughput (sites/s), D4 with radius √13,
                          float32 and float64.
  ed                      Exact-diagonalization force evaluation: seconds per
                          call, eigensolver share, batch strategies, NumPy eigh.
  enn                     Equivariant network throughput (Table I architecture,
                          float32): forward sites/s, training sites/s, sgemm
                          1024³ rate.
  dynamics                Langevin dynamics speed: ED steps/s, and the
                          integrator overhead per step (harmonic forces).
  cluster                 Local-cluster solver (the --baseline cluster:R of
                          train): µs per site and seconds per configuration by
                          radius.

  See 'latticeff help bench <subcommand>' for detailed help.

"""#,
    "bench features": #"""
OVERVIEW: Featurizer throughput (sites/s), D4 with radius √13, float32 and
float64.

USAGE: latticeff bench features [--sizes <sizes>] [--repeats <repeats>] [--json]

OPTIONS:
  --sizes <sizes>         Comma-separated lattice sizes L (≥ 7). (default:
                          40,200)
  --repeats <repeats>     Timed repetitions per case (median reported).
                          (default: 7)
  --json                  Print JSON results.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "bench ed": #"""
OVERVIEW: Exact-diagonalization force evaluation: seconds per call, eigensolver
share, batch strategies, NumPy eigh.

USAGE: latticeff bench ed [--sizes <sizes>] [--repeats <repeats>] [--json] [--batch <batch>] [--no-numpy]

OPTIONS:
  --sizes <sizes>         Comma-separated lattice sizes L (≥ 2). (default:
                          20,30,40)
  --repeats <repeats>     Timed repetitions per case (median reported).
                          (default: 3)
  --json                  Print JSON results.
  --batch <batch>         Configurations in the batch-throughput measurement.
                          (default: 4)
  --no-numpy              Skip the NumPy comparison.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "bench enn": #"""
OVERVIEW: Equivariant network throughput (Table I architecture, float32):
forward sites/s, training sites/s, sgemm 1024³ rate.

USAGE: latticeff bench enn [--sizes <sizes>] [--repeats <repeats>] [--json] [--training-size <training-size>] [--gate <gate>] [--radius <radius>]

OPTIONS:
  --sizes <sizes>         Comma-separated lattice sizes L (≥ 7). (default:
                          40,200)
  --repeats <repeats>     Timed repetitions per case (median reported).
                          (default: 5)
  --json                  Print JSON results.
  --training-size <training-size>
                          Lattice size L of the training benchmark (one
                          configuration per step). (default: 40)
  --gate <gate>           Gate. (values: smooth, reference; default: smooth)
  --radius <radius>       Neighbourhood radius (lattice units; default √13, the
                          paper's). Sizes must be ≥ 2·halo + 1. (default:
                          3.605551275463989)
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "bench dynamics": #"""
OVERVIEW: Langevin dynamics speed: ED steps/s, and the integrator overhead per
step (harmonic forces).

USAGE: latticeff bench dynamics [--ed-sizes <ed-sizes>] [--overhead-sizes <overhead-sizes>] [--seconds <seconds>] [--network-step <network-step>] [--model <model>] [--network-sizes <network-sizes>] [--json]

OPTIONS:
  --ed-sizes <ed-sizes>   Comma-separated lattice sizes for ED steps/s (all
                          cores in the eigensolver). (default: 24,40)
  --overhead-sizes <overhead-sizes>
                          Comma-separated lattice sizes for the integrator
                          overhead (network sizes). (default: 40,100,200,400)
  --seconds <seconds>     Rough time budget per case in seconds. (default: 2.0)
  --network-step <network-step>
                          Network step time the overhead is compared with, in
                          seconds (the L = 200 target). (default: 0.3)
  --model <model>         Network model file (.npz) for network steps/s
                          (default: the shipped model if found).
  --network-sizes <network-sizes>
                          Comma-separated lattice sizes for network steps/s.
                          (default: 40,100,200,400)
  --json                  Print JSON results.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
    "bench cluster": #"""
OVERVIEW: Local-cluster solver (the --baseline cluster:R of train): µs per site
and seconds per configuration by radius.

USAGE: latticeff bench cluster [--radii <radii>] [--size <size>] [--repeats <repeats>] [--json]

OPTIONS:
  --radii <radii>         Comma-separated cluster radii (lattice units, 1…6).
                          (default: 1,1.415,2,2.237,2.829,3,3.163,3.606)
  --size <size>           Lattice size L. (default: 40)
  --repeats <repeats>     Timed repetitions per case (median reported).
                          (default: 3)
  --json                  Print JSON results.
  --version               Show the version.
  -h, --help              Show help information.


"""#,
]
