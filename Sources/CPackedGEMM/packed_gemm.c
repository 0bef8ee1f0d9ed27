// int8 and bfloat16 matrix products on AVX-512; see packed_gemm.h for the schemes.
#include "packed_gemm.h"
#include <math.h>
#include <string.h>

int packed_gemm_padded_inputs(int inputs) { return (inputs + 3) & ~3; }

// Weight packing is plain C, run once per layer at load. A panel holds 64 columns; within it
// the inputs go in groups (4 for int8, 2 for bf16) of one column adjacent, so one 32-bit lane
// of a `vpdpbusd` / `vdpbf16ps` holds a group, and 64 bytes hold one group of 16 columns.
static float weight_at(const float *weight, int inputs, int outputs, int transposed, int k, int n) {
    if (k >= inputs) return 0;  // padding
    return transposed ? weight[(long)n * inputs + k] : weight[(long)k * outputs + n];
}

static long packed_index(int padded, int group, int k, int n) {
    return (long)(n / PACKED_GEMM_PANEL) * padded * PACKED_GEMM_PANEL
        + (k / group) * group * PACKED_GEMM_PANEL + (n % PACKED_GEMM_PANEL) * group + k % group;
}

void int8_pack_weights(const float *weight, int inputs, int outputs, int transposed,
                       int8_t *packed, float *scales, float *sums) {
    const int padded = packed_gemm_padded_inputs(inputs);
    for (int n = 0; n < outputs; n++) {
        float largest = 0;
        for (int k = 0; k < inputs; k++) largest = fmaxf(largest, fabsf(weight_at(weight, inputs, outputs, transposed, k, n)));
        const float scale = largest > 0 ? largest / 127 : 1;
        int32_t sum = 0;
        for (int k = 0; k < padded; k++) {
            int q = (int)lrintf(weight_at(weight, inputs, outputs, transposed, k, n) / scale);
            q = q > 127 ? 127 : q < -127 ? -127 : q;
            sum += q;
            packed[packed_index(padded, 4, k, n)] = (int8_t)q;
        }
        scales[n] = scale;
        sums[n] = scale * (float)sum;
    }
}

void bfloat16_pack_weights(const float *weight, int inputs, int outputs, int transposed, uint16_t *packed) {
    const int padded = packed_gemm_padded_inputs(inputs);
    for (int n = 0; n < outputs; n++)
        for (int k = 0; k < padded; k++) {
            const float w = weight_at(weight, inputs, outputs, transposed, k, n);
            uint32_t bits;
            memcpy(&bits, &w, 4);
            packed[packed_index(padded, 2, k, n)] = (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);  // to nearest even
        }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

int packed_gemm_supports_avx512(void) {
    __builtin_cpu_init();  // also checks that the OS saves the AVX-512 registers
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
int packed_gemm_supports_int8(void) { return packed_gemm_supports_avx512() && __builtin_cpu_supports("avx512vnni"); }
int packed_gemm_supports_bfloat16(void) { return packed_gemm_supports_avx512() && __builtin_cpu_supports("avx512bf16"); }

// Lanes [k, columns) of a row: the mask for the tail of a loop over 16 floats at a time.
static inline __mmask16 live_lanes(int k, int columns) {
    return columns - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - k)) - 1);
}

// eˣ, the Cephes `expf` polynomial (~2 ulp) as the Swift `fastExp`; large negatives give ~0.
AVX512 static inline __m512 exp_ps(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    // Adding 1.5·2²³ rounds x·log₂e to an integer n kept in the low mantissa bits.
    const __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), _mm512_set1_ps(12582912.0f));
    const __m512 n = _mm512_sub_ps(shifted, _mm512_set1_ps(12582912.0f));
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1)));
    const __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000 - 127));
    return _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(bits, 23)));
}

// GELU in the erf form, erf by Abramowitz & Stegun 7.1.26, as the Swift `fastGELU`.
AVX512 static inline __m512 gelu_ps(__m512 x) {
    const __m512 z = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678f));
    const __m512 t = _mm512_div_ps(_mm512_set1_ps(1), _mm512_fmadd_ps(z, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    // q = 1 − erf(|x|/√2); GELU(x) = x·(1 − q/2) for x ≥ 0 and x·q/2 for x < 0.
    const __m512 half = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), _mm512_mul_ps(p, t)),
                                      exp_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), z), z)));
    const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mul_ps(x, _mm512_mask_blend_ps(negative, _mm512_sub_ps(_mm512_set1_ps(1), half), half));
}

AVX512 static inline void finish(float *out, __m512 y, packed_gemm_mode mode) {
    if (mode == PACKED_GEMM_ADD) y = _mm512_add_ps(y, _mm512_loadu_ps(out));
    else if (mode == PACKED_GEMM_STORE_GELU) y = gelu_ps(y);
    _mm512_storeu_ps(out, y);
}

VNNI void int8_quantize_rows(const float *x, int rows, int inputs, uint8_t *quantized, float *scales, float *zeros) {
    const int padded = packed_gemm_padded_inputs(inputs);
    for (int r = 0; r < rows; r++) {
        const float *row = x + (long)r * inputs;
        uint8_t *out = quantized + (long)r * padded;
        __m512 low = _mm512_set1_ps(INFINITY), high = _mm512_set1_ps(-INFINITY);
        for (int k = 0; k < inputs; k += 16) {
            low = _mm512_min_ps(low, _mm512_mask_loadu_ps(low, live_lanes(k, inputs), row + k));
            high = _mm512_max_ps(high, _mm512_mask_loadu_ps(high, live_lanes(k, inputs), row + k));
        }
        const float zero = _mm512_reduce_min_ps(low), range = _mm512_reduce_max_ps(high) - zero;
        const float scale = range > 0 ? range / 255 : 1;
        const __m512 inverse = _mm512_set1_ps(1 / scale), shift = _mm512_set1_ps(zero);
        for (int k = 0; k < inputs; k += 16) {
            const __mmask16 live = live_lanes(k, inputs);
            const __m512 v = _mm512_sub_ps(_mm512_maskz_loadu_ps(live, row + k), shift);
            // Clamped at 0: the unsigned narrowing would turn a rounding −1 into 255.
            const __m512i q = _mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inverse)), _mm512_setzero_si512());
            _mm512_mask_cvtusepi32_storeu_epi8(out + k, live, q);
        }
        for (int k = inputs; k < padded; k++) out[k] = 0;  // its weights are 0 too
        scales[r] = scale;
        zeros[r] = zero;
    }
}

BF16 void bfloat16_convert_rows(const float *x, int rows, int inputs, uint16_t *out) {
    const int padded = packed_gemm_padded_inputs(inputs);
    for (int r = 0; r < rows; r++) {
        for (int k = 0; k < inputs; k += 16) {
            const __mmask16 live = live_lanes(k, inputs);
            const __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(live, x + (long)r * inputs + k));
            _mm256_mask_storeu_epi16(out + (long)r * padded + k, live, (__m256i)h);
        }
        for (int k = inputs; k < padded; k++) out[(long)r * padded + k] = 0;
    }
}

// Both kernels: up to 6 rows × one 64-column panel, 24 accumulators in registers; per group of
// inputs, 4 weight loads and one 32-bit broadcast per row. Missing rows re-read row 0 and are
// not stored.
#define ROWS_OF(a, padded, rows, type) \
    const type *row[6]; \
    for (int r = 0; r < 6; r++) row[r] = (a) + (long)(r < (rows) ? r : 0) * (padded)

VNNI static void int8_kernel(const uint8_t *a, int padded, int rows, const int8_t *panel, const float *sums,
                             const float *scales, const float *bias, const float *row_scales,
                             const float *row_zeros, float *c, int c_stride, packed_gemm_mode mode) {
    ROWS_OF(a, padded, rows, uint8_t);
    __m512i acc[6][4];
    for (int r = 0; r < 6; r++)
        for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_si512();
    for (int g = 0; g < padded / 4; g++) {
        const int8_t *b = panel + g * 4 * PACKED_GEMM_PANEL;
        const __m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 64);
        const __m512i b2 = _mm512_loadu_si512(b + 128), b3 = _mm512_loadu_si512(b + 192);
        for (int r = 0; r < 6; r++) {
            int32_t four;
            memcpy(&four, row[r] + 4 * g, 4);
            const __m512i x = _mm512_set1_epi32(four);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, b1);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], x, b2);
            acc[r][3] = _mm512_dpbusd_epi32(acc[r][3], x, b3);
        }
    }
    for (int v = 0; v < 4; v++) {
        const __m512 sum = _mm512_loadu_ps(sums + 16 * v), scale = _mm512_loadu_ps(scales + 16 * v);
        const __m512 b = bias ? _mm512_loadu_ps(bias + 16 * v) : _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) {
            // x ≈ row scale · q + row zero and w ≈ column scale · q′, so x·w sums to
            // row scale · column scale · Σ q·q′ + row zero · column scale · Σ q′.
            const __m512 shifted = _mm512_fmadd_ps(_mm512_set1_ps(row_zeros[r]), sum, b);
            finish(c + (long)r * c_stride + 16 * v,
                   _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][v]), _mm512_mul_ps(scale, _mm512_set1_ps(row_scales[r])), shifted),
                   mode);
        }
    }
}

BF16 static void bfloat16_kernel(const uint16_t *a, int padded, int rows, const uint16_t *panel, const float *bias,
                                 float *c, int c_stride, packed_gemm_mode mode) {
    ROWS_OF(a, padded, rows, uint16_t);
    __m512 acc[6][4];
    for (int r = 0; r < 6; r++)
        for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
    for (int g = 0; g < padded / 2; g++) {
        const uint16_t *b = panel + g * 2 * PACKED_GEMM_PANEL;
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 32);
        const __m512bh b2 = (__m512bh)_mm512_loadu_si512(b + 64), b3 = (__m512bh)_mm512_loadu_si512(b + 96);
        for (int r = 0; r < 6; r++) {
            int32_t two;
            memcpy(&two, row[r] + 2 * g, 4);
            const __m512bh x = (__m512bh)_mm512_set1_epi32(two);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
            acc[r][2] = _mm512_dpbf16_ps(acc[r][2], x, b2);
            acc[r][3] = _mm512_dpbf16_ps(acc[r][3], x, b3);
        }
    }
    for (int v = 0; v < 4; v++) {
        const __m512 b = bias ? _mm512_loadu_ps(bias + 16 * v) : _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) finish(c + (long)r * c_stride + 16 * v, _mm512_add_ps(acc[r][v], b), mode);
    }
}

// Panel-major: a panel (≤ 96 KB of int8, 192 KB of bf16) stays in L2 while the row blocks pass.
VNNI void int8_gemm(const uint8_t *quantized, const float *row_scales, const float *row_zeros,
                    int first_row, int end_row, int inputs, const int8_t *packed, const float *scales,
                    const float *sums, const float *bias, int outputs, float *c, packed_gemm_mode mode) {
    const int padded = packed_gemm_padded_inputs(inputs);
    for (int column = 0; column < outputs; column += PACKED_GEMM_PANEL)
        for (int m = first_row; m < end_row; m += 6)
            int8_kernel(quantized + (long)m * padded, padded, end_row - m < 6 ? end_row - m : 6,
                        packed + (long)column * padded, sums + column, scales + column,
                        bias ? bias + column : 0, row_scales + m, row_zeros + m,
                        c + (long)m * outputs + column, outputs, mode);
}

BF16 void bfloat16_gemm(const uint16_t *converted, int first_row, int end_row, int inputs,
                        const uint16_t *packed, const float *bias, int outputs, float *c, packed_gemm_mode mode) {
    const int padded = packed_gemm_padded_inputs(inputs);
    for (int column = 0; column < outputs; column += PACKED_GEMM_PANEL)
        for (int m = first_row; m < end_row; m += 6)
            bfloat16_kernel(converted + (long)m * padded, padded, end_row - m < 6 ? end_row - m : 6,
                            packed + (long)column * padded, bias ? bias + column : 0,
                            c + (long)m * outputs + column, outputs, mode);
}

AVX512 void avx512_softmax_rows(float *x, int rows, int columns) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (long)r * columns;
        __m512 top = _mm512_set1_ps(-INFINITY);
        for (int k = 0; k < columns; k += 16)
            top = _mm512_max_ps(top, _mm512_mask_loadu_ps(top, live_lanes(k, columns), row + k));
        const __m512 largest = _mm512_set1_ps(_mm512_reduce_max_ps(top));
        __m512 sum = _mm512_setzero_ps();
        for (int k = 0; k < columns; k += 16) {
            const __mmask16 live = live_lanes(k, columns);
            const __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(live, row + k), largest));
            sum = _mm512_mask_add_ps(sum, live, sum, e);
            _mm512_mask_storeu_ps(row + k, live, e);
        }
        const __m512 inverse = _mm512_set1_ps(1 / _mm512_reduce_add_ps(sum));
        for (int k = 0; k < columns; k += 16) {
            const __mmask16 live = live_lanes(k, columns);
            _mm512_mask_storeu_ps(row + k, live, _mm512_mul_ps(_mm512_maskz_loadu_ps(live, row + k), inverse));
        }
    }
}

AVX512 void avx512_gelu(float *x, long count) {
    for (long i = 0; i < count; i += 16) {
        const __mmask16 live = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(x + i, live, gelu_ps(_mm512_maskz_loadu_ps(live, x + i)));
    }
}

AVX512 void avx512_layer_norm(const float *x, float *out, int rows, int columns,
                              const float *scale, const float *shift, float epsilon) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (long)r * columns;
        __m512 sum = _mm512_setzero_ps();
        for (int k = 0; k < columns; k += 16) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(live_lanes(k, columns), row + k));
        const __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(sum) / columns);
        __m512 squares = _mm512_setzero_ps();  // two passes: no cancellation in E[(x − mean)²]
        for (int k = 0; k < columns; k += 16) {
            const __mmask16 live = live_lanes(k, columns);
            const __m512 d = _mm512_maskz_sub_ps(live, _mm512_maskz_loadu_ps(live, row + k), mean);
            squares = _mm512_fmadd_ps(d, d, squares);
        }
        const __m512 inverse = _mm512_set1_ps(1 / sqrtf(_mm512_reduce_add_ps(squares) / columns + epsilon));
        for (int k = 0; k < columns; k += 16) {
            const __mmask16 live = live_lanes(k, columns);
            const __m512 normal = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(live, row + k), mean), inverse);
            _mm512_mask_storeu_ps(out + (long)r * columns + k, live,
                                  _mm512_fmadd_ps(normal, _mm512_maskz_loadu_ps(live, scale + k), _mm512_maskz_loadu_ps(live, shift + k)));
        }
    }
}

// Attention in bfloat16 on the same kernel as the layers: K is packed as the "weights" of Q·Kᵀ
// (inputs: the head's 64 features, outputs: the keys, padded to whole panels) and V as those
// of P·V (inputs: the keys, outputs: the 64 features). In a packed panel, input pair g of
// column n is the 32-bit word at g·PANEL + n, so K's own bfloat16 pairs move as whole words.
enum { HEAD = 64 };

static int attention_keys(int tokens) { return (tokens + PACKED_GEMM_PANEL - 1) / PACKED_GEMM_PANEL * PACKED_GEMM_PANEL; }

long bfloat16_attention_scratch_bytes(int tokens) {
    const long keys = attention_keys(tokens), padded = packed_gemm_padded_inputs(tokens);
    return tokens * HEAD * 2 + HEAD * keys * 2 + tokens * keys * 4 + tokens * padded * 2 + padded * HEAD * 2;
}

BF16 static inline __m256i to_bfloat16(__m512 x) { return (__m256i)_mm512_cvtneps_pbh(x); }

BF16 void bfloat16_attention(const float *q, const float *k, const float *v, int ld, int tokens, float scale,
                             float *out, int out_ld, void *scratch) {
    const int keys = attention_keys(tokens), padded = packed_gemm_padded_inputs(tokens);
    uint16_t *qs = scratch, *kp = qs + (long)tokens * HEAD;
    float *s = (float *)(kp + (long)HEAD * keys);
    uint16_t *ps = (uint16_t *)(s + (long)tokens * keys), *vp = ps + (long)tokens * padded;
    const __m512 by = _mm512_set1_ps(scale);
    for (int r = 0; r < tokens; r++)
        for (int c = 0; c < HEAD; c += 16)
            _mm256_storeu_si256((__m256i *)(qs + (long)r * HEAD + c), to_bfloat16(_mm512_mul_ps(_mm512_loadu_ps(q + (long)r * ld + c), by)));
    for (int n = 0; n < keys; n++) {
        uint32_t pairs[HEAD / 2] = {0};
        if (n < tokens)
            for (int c = 0; c < HEAD; c += 16)
                _mm256_storeu_si256((__m256i *)((uint16_t *)pairs + c), to_bfloat16(_mm512_loadu_ps(k + (long)n * ld + c)));
        uint32_t *panel = (uint32_t *)(kp + (long)(n / PACKED_GEMM_PANEL) * HEAD * PACKED_GEMM_PANEL);
        for (int g = 0; g < HEAD / 2; g++) panel[g * PACKED_GEMM_PANEL + n % PACKED_GEMM_PANEL] = pairs[g];
    }
    for (int column = 0; column < keys; column += PACKED_GEMM_PANEL)
        for (int m = 0; m < tokens; m += 6)
            bfloat16_kernel(qs + (long)m * HEAD, HEAD, tokens - m < 6 ? tokens - m : 6, kp + (long)column * HEAD, 0,
                            s + (long)m * keys + column, keys, PACKED_GEMM_STORE);
    // Softmax over the real keys only; the rows go to bfloat16, zero-padded like any input row.
    for (int r = 0; r < tokens; r++) {
        float *row = s + (long)r * keys;
        avx512_softmax_rows(row, 1, tokens);
        for (int c = 0; c < padded; c += 16) {
            const __mmask16 live = live_lanes(c, tokens), stored = live_lanes(c, padded);
            _mm256_mask_storeu_epi16(ps + (long)r * padded + c, stored, to_bfloat16(_mm512_maskz_loadu_ps(live, row + c)));
        }
    }
    uint32_t *vw = (uint32_t *)vp;
    for (int g = 0; g < padded / 2; g++)
        for (int c = 0; c < HEAD; c += 16) {
            const __m512i low = 2 * g < tokens ? _mm512_cvtepu16_epi32(to_bfloat16(_mm512_loadu_ps(v + (long)(2 * g) * ld + c)))
                                               : _mm512_setzero_si512();
            const __m512i high = 2 * g + 1 < tokens ? _mm512_cvtepu16_epi32(to_bfloat16(_mm512_loadu_ps(v + (long)(2 * g + 1) * ld + c)))
                                                    : _mm512_setzero_si512();
            _mm512_storeu_si512(vw + g * PACKED_GEMM_PANEL + c, _mm512_or_si512(low, _mm512_slli_epi32(high, 16)));
        }
    for (int m = 0; m < tokens; m += 6)
        bfloat16_kernel(ps + (long)m * padded, padded, tokens - m < 6 ? tokens - m : 6, vp, 0,
                        out + (long)m * out_ld, out_ld, PACKED_GEMM_STORE);
}

#else  // Not x86-64: nothing is supported, so these are never called.

int packed_gemm_supports_avx512(void) { return 0; }
int packed_gemm_supports_int8(void) { return 0; }
int packed_gemm_supports_bfloat16(void) { return 0; }
void int8_quantize_rows(const float *x, int rows, int inputs, uint8_t *quantized, float *scales, float *zeros) {}
void int8_gemm(const uint8_t *quantized, const float *row_scales, const float *row_zeros,
               int first_row, int end_row, int inputs, const int8_t *packed, const float *scales,
               const float *sums, const float *bias, int outputs, float *c, packed_gemm_mode mode) {}
void bfloat16_convert_rows(const float *x, int rows, int inputs, uint16_t *out) {}
void bfloat16_gemm(const uint16_t *converted, int first_row, int end_row, int inputs,
                   const uint16_t *packed, const float *bias, int outputs, float *c, packed_gemm_mode mode) {}
void avx512_softmax_rows(float *x, int rows, int columns) {}
long bfloat16_attention_scratch_bytes(int tokens) { return 0; }
void bfloat16_attention(const float *q, const float *k, const float *v, int ld, int tokens, float scale,
                        float *out, int out_ld, void *scratch) {}
void avx512_gelu(float *x, long count) {}
void avx512_layer_norm(const float *x, float *out, int rows, int columns,
                       const float *scale, const float *shift, float epsilon) {}

#endif
