#if !canImport(Accelerate)
import CBLAS
#endif

public enum BLASThreads {
    /// One OpenBLAS thread per call: the encoders spread images and rows over the cores
    /// themselves, and measured faster that way than with OpenBLAS's threads competing for the
    /// same two cores. Process-wide; a no-op with Accelerate.
    public static func useOne() {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
    }
}
