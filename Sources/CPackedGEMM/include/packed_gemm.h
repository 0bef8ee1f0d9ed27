// Matrix products for the image encoder's linear layers in int8 (AVX-512 VNNI `vpdpbusd`) or
// bfloat16 (AVX-512 BF16 `vdpbf16ps`), from weights packed once at load, plus the AVX-512
// element-wise kernels that run between the products.
//
// int8 scheme: weights symmetric per output column (int8); activations quantised per row (per
// token) when they arrive, asymmetric: unsigned bytes over the row's [min, max], which
// `vpdpbusd` (unsigned × signed bytes) takes as they are, and which resolve GELU outputs
// (≥ −0.17, long positive tail) twice as finely as a symmetric scale would. The row minimum's
// share, min · Σₖ w[k][n], is added back per column. bf16 scheme: both sides rounded to
// bfloat16, products accumulated in float32.
//
// Call a function only after its `packed_gemm_supports_*` check returned 1; on other CPUs and
// on non-x86 builds they are stubs that do nothing.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per packed weight panel: `outputs` must be a multiple of it.
#define PACKED_GEMM_PANEL 64

/// What a product does with each result.
typedef enum {
    PACKED_GEMM_STORE = 0,     ///< c = x·W + b
    PACKED_GEMM_ADD = 1,       ///< c += x·W + b (a residual branch)
    PACKED_GEMM_STORE_GELU = 2 ///< c = GELU(x·W + b), erf form
} packed_gemm_mode;

/// 1 where the element-wise kernels run (x86-64 with AVX-512 F, BW, VL and DQ).
int packed_gemm_supports_avx512(void);
/// 1 where the int8 products run (the above and VNNI).
int packed_gemm_supports_int8(void);
/// 1 where the bfloat16 products run (the above and AVX-512 BF16).
int packed_gemm_supports_bfloat16(void);

/// `inputs` rounded up to a multiple of 4: the row length of int8 rows and packed weights.
int packed_gemm_padded_inputs(int inputs);

/// Quantises and packs a float weight matrix for `int8_gemm`. `weight` is `inputs × outputs`
/// row-major, or `outputs × inputs` when `transposed`. Writes `packed` (`padded_inputs ·
/// outputs` bytes), `scales` and `sums` (`outputs` floats: the column's scale · its int8 sum).
void int8_pack_weights(const float *weight, int inputs, int outputs, int transposed,
                       int8_t *packed, float *scales, float *sums);

/// Quantises `rows` rows of `x` (`inputs` floats each, contiguous) to `quantized`
/// (`padded_inputs` bytes a row), x ≈ scale · byte + zero, with `scales` and `zeros` per row.
void int8_quantize_rows(const float *x, int rows, int inputs, uint8_t *quantized, float *scales, float *zeros);

/// Rows `[first_row, end_row)` of c = x·W + b (see `packed_gemm_mode`), from rows quantised by
/// `int8_quantize_rows` (all arrays indexed from row 0) and weights packed by
/// `int8_pack_weights`. `bias` may be NULL. `c` is row-major, `outputs` columns. Disjoint row
/// ranges may run concurrently.
void int8_gemm(const uint8_t *quantized, const float *row_scales, const float *row_zeros,
               int first_row, int end_row, int inputs, const int8_t *packed, const float *scales,
               const float *sums, const float *bias, int outputs, float *c, packed_gemm_mode mode);

/// Rounds and packs a float weight matrix (layout as `int8_pack_weights`) for `bfloat16_gemm`:
/// `padded_inputs · outputs` bfloat16 values.
void bfloat16_pack_weights(const float *weight, int inputs, int outputs, int transposed, uint16_t *packed);

/// Rounds `rows` rows of `x` to bfloat16 in `out` (`padded_inputs` values a row).
void bfloat16_convert_rows(const float *x, int rows, int inputs, uint16_t *out);

/// Rows `[first_row, end_row)` of c = x·W + b from rows converted by `bfloat16_convert_rows`
/// and weights packed by `bfloat16_pack_weights`; otherwise as `int8_gemm`.
void bfloat16_gemm(const uint16_t *converted, int first_row, int end_row, int inputs,
                   const uint16_t *packed, const float *bias, int outputs, float *c, packed_gemm_mode mode);

/// Softmax of each of `rows` rows of `columns` floats, in place (attention scores).
void avx512_softmax_rows(float *x, int rows, int columns);

/// Bytes of scratch one `bfloat16_attention` call needs for `tokens` tokens.
long bfloat16_attention_scratch_bytes(int tokens);

/// One 64-wide attention head of one image in bfloat16 (float32 sums): out = softmax(scale·Q·Kᵀ)·V,
/// where row r of Q, K and V starts at q, k, v + r·ld and row r of the result at out + r·out_ld.
void bfloat16_attention(const float *q, const float *k, const float *v, int ld, int tokens, float scale,
                        float *out, int out_ld, void *scratch);

/// GELU (erf form) of `count` floats, in place.
void avx512_gelu(float *x, long count);

/// Layer normalisation of `rows` rows of `columns` floats from `x` into `out`.
void avx512_layer_norm(const float *x, float *out, int rows, int columns,
                       const float *scale, const float *shift, float epsilon);

/// Σ query[i] · codes[i] over `count` elements: a float query against an int8-coded vector
/// (the vector index's stored form; the caller applies the vector's scale). Portable C.
float float_int8_dot(const float *query, const int8_t *codes, int count);

/// Asks the CPU to start loading `bytes` from `address` into its caches, and returns at once.
static inline void memory_prefetch(const void *address, int bytes) {
    for (int offset = 0; offset < bytes; offset += 64) __builtin_prefetch((const char *)address + offset, 0, 3);
}

#ifdef __cplusplus
}
#endif
