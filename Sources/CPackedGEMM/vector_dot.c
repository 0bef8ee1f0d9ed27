// The vector index's scoring kernel: plain C so that, with reassociation allowed for this one
// sum, the compiler vectorises it on any CPU (Swift keeps float sums in order, one at a time).
#include "packed_gemm.h"

float float_int8_dot(const float *query, const int8_t *codes, int count) {
#pragma clang fp reassociate(on)
    float sum = 0;
    for (int i = 0; i < count; i++) sum += query[i] * (float)codes[i];
    return sum;
}
