// libtorch's default generator (dropout, parameter initialisation) is process-wide: tests running in parallel would
// draw from each other's sequence and break the bit-for-bit determinism that the resume tests check.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
