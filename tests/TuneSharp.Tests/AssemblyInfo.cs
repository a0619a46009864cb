// libtorch's default random generator is process-wide: tests that seed it (head initialisation, dropout,
// shuffling) would see each other's draws if test classes ran in parallel. Run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
