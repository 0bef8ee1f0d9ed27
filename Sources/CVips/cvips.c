#include "cvips.h"
#include <vips/vips.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int cvips_start(int concurrency) {
    if (VIPS_INIT("atelier")) return -1;
    // No operation cache: uploads are one-off, and a cache only grows resident memory.
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    if (concurrency > 0) vips_concurrency_set(concurrency);
    return 0;
}

int cvips_header(const void *buf, size_t len, cvips_image_header *out) {
    const char *loader = vips_foreign_find_load_buffer(buf, len);
    if (!loader) return -1;
    VipsImage *image = vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!image) return -1;
    out->width = vips_image_get_width(image);
    out->height = vips_image_get_height(image);
    out->bands = vips_image_get_bands(image);
    out->has_alpha = vips_image_hasalpha(image);
    out->orientation = vips_image_get_orientation(image);
    g_strlcpy(out->loader, loader, sizeof(out->loader));
    g_object_unref(image);
    return 0;
}

static int save(VipsImage *image, cvips_format format, int quality, void **out, size_t *out_len) {
    switch (format) {
    case CVIPS_JPEG:
        return vips_jpegsave_buffer(image, out, out_len, "Q", quality, "strip", TRUE,
                                    "optimize_coding", TRUE, NULL);
    case CVIPS_PNG:
        return vips_pngsave_buffer(image, out, out_len, "strip", TRUE, NULL);
    case CVIPS_WEBP:
        return vips_webpsave_buffer(image, out, out_len, "Q", quality, "strip", TRUE, NULL);
    case CVIPS_HEIC:
        return vips_heifsave_buffer(image, out, out_len, "Q", quality, "strip", TRUE,
                                    "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, NULL);
    case CVIPS_AVIF:
        return vips_heifsave_buffer(image, out, out_len, "Q", quality, "strip", TRUE,
                                    "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL);
    }
    return -1;
}

int cvips_thumbnail(const void *buf, size_t len, int max_side, cvips_format format, int quality,
                    void **out, size_t *out_len, int *out_width, int *out_height) {
    VipsImage *thumb = NULL;
    // fail_on=truncated: a cut-off or corrupt file is an error, not a grey-padded picture.
    if (vips_thumbnail_buffer((void *)buf, len, &thumb, max_side, "height", max_side,
                              "size", VIPS_SIZE_DOWN, "option_string", "fail_on=truncated", NULL))
        return -1;
    int result = save(thumb, format, quality, out, out_len);
    if (result == 0) {
        *out_width = vips_image_get_width(thumb);
        *out_height = vips_image_get_height(thumb);
    }
    g_object_unref(thumb);
    return result;
}

int cvips_generate(int width, int height, int with_alpha, cvips_format format,
                   void **out, size_t *out_len) {
    VipsImage *base = vips_image_new();
    VipsImage **t = (VipsImage **)vips_object_local_array(VIPS_OBJECT(base), 8);
    // Left-to-right and top-to-bottom ramps plus noise: a picture whose orientation is visible
    // and that compresses like a photo rather than a flat colour.
    if (vips_xyz(&t[0], width, height, NULL) ||
        vips_extract_band(t[0], &t[1], 0, NULL) || vips_extract_band(t[0], &t[2], 1, NULL) ||
        vips_linear1(t[1], &t[3], 255.0 / (width > 1 ? width - 1 : 1), 0, NULL) ||
        vips_linear1(t[2], &t[4], 255.0 / (height > 1 ? height - 1 : 1), 0, NULL) ||
        vips_gaussnoise(&t[5], width, height, "sigma", 20.0, "mean", 128.0, NULL)) {
        g_object_unref(base);
        return -1;
    }
    VipsImage *bands[3] = {t[3], t[4], t[5]};
    VipsImage *rgb = NULL, *typed = NULL, *final = NULL;
    if (vips_bandjoin(bands, &rgb, 3, NULL) || vips_cast_uchar(rgb, &typed, NULL)) {
        if (rgb) g_object_unref(rgb);
        g_object_unref(base);
        return -1;
    }
    g_object_unref(rgb);
    if (with_alpha) {
        if (vips_bandjoin_const1(typed, &final, 200, NULL)) {
            g_object_unref(typed);
            g_object_unref(base);
            return -1;
        }
        g_object_unref(typed);
    } else {
        final = typed;
    }
    final->Type = VIPS_INTERPRETATION_sRGB;
    int result = save(final, format, 90, out, out_len);
    g_object_unref(final);
    g_object_unref(base);
    return result;
}

void cvips_free(void *p) { g_free(p); }

char *cvips_take_error(void) { return vips_error_buffer_copy(); }

int cvips_pixel(const void *buf, size_t len, int x, int y, double *out, int capacity) {
    VipsImage *image = vips_image_new_from_buffer(buf, len, "", NULL);
    if (!image) return -1;
    double *values = NULL;
    int count = 0;
    int result = vips_getpoint(image, &values, &count, x, y, NULL);
    if (result == 0) {
        for (int i = 0; i < count && i < capacity; i++) out[i] = values[i];
        result = count < capacity ? count : capacity;
        g_free(values);
    }
    g_object_unref(image);
    return result;
}

void cvips_configure_heap(void) {
#if defined(__GLIBC__)
    mallopt(M_ARENA_MAX, 2);
    // Without these, glibc shrinks the heap whenever 128 KB at its top is free: under a steady
    // stream of small requests that was a brk call, a TLB flush across the cores and fresh page
    // faults every few requests (~10 % of the server's CPU creating jobs). The top may now keep
    // 16 MB until the periodic malloc_trim; blocks from 4 MB (whole decoded images) are still
    // mapped on their own and returned when freed.
    mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
#endif
}

void cvips_release_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

/// Auto-levels: each band stretched so its 0.5th and 99.5th percentiles become 0 and 255.
static int auto_levels(VipsImage *in, VipsImage **out) {
    double scale[3], offset[3];
    for (int band = 0; band < 3; band++) {
        VipsImage *single = NULL;
        int low = 0, high = 255;
        // vips_percent gives the value that `percent` of the pixels lie below.
        if (vips_extract_band(in, &single, band, NULL) || vips_percent(single, 0.5, &low, NULL) ||
            vips_percent(single, 99.5, &high, NULL)) {
            if (single) g_object_unref(single);
            return -1;
        }
        g_object_unref(single);
        // A nearly flat band is left as it is rather than blown up into noise.
        scale[band] = high - low >= 16 ? 255.0 / (high - low) : 1.0;
        offset[band] = high - low >= 16 ? -low * scale[band] : 0.0;
    }
    VipsImage *stretched = NULL;
    if (vips_linear(in, &stretched, scale, offset, 3, NULL)) return -1;
    int result = vips_cast_uchar(stretched, out, NULL);
    g_object_unref(stretched);
    return result;
}

int cvips_enhance(const void *buf, size_t len, double strength, void **out, size_t *out_len) {
    VipsImage *base = vips_image_new();
    VipsImage **t = (VipsImage **)vips_object_local_array(VIPS_OBJECT(base), 12);
    VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
    int failed = !(t[0] = vips_image_new_from_buffer(buf, len, "", "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL));
    // Upright sRGB, 8 bits a band, transparency flattened onto white: what the steps below expect.
    failed = failed || vips_autorot(t[0], &t[1], NULL) || vips_colourspace(t[1], &t[2], VIPS_INTERPRETATION_sRGB, NULL) ||
        (vips_image_hasalpha(t[2]) ? vips_flatten(t[2], &t[3], "background", white, NULL) : vips_copy(t[2], &t[3], NULL)) ||
        vips_cast_uchar(t[3], &t[4], NULL) ||
        // Decode once: the levels read every pixel twice, the rest once more.
        (t[5] = vips_image_copy_memory(t[4])) == NULL ||
        auto_levels(t[5], &t[6]);
    if (!failed) {
        // Local contrast ("clarity"): add back `strength` times the difference from a blur (kept
        // narrow: a wide kernel costs seconds on a 12 MP photo).
        int side = MIN(vips_image_get_width(t[6]), vips_image_get_height(t[6]));
        failed = vips_gaussblur(t[6], &t[7], MIN(4.0, MAX(1.5, side / 150.0)), NULL) || vips_subtract(t[6], t[7], &t[8], NULL) ||
            vips_linear1(t[8], &t[9], strength, 0, NULL) || vips_add(t[6], t[9], &t[10], NULL) ||
            vips_cast_uchar(t[10], &t[11], NULL);
    }
    VipsImage *sharp = NULL;
    int result = -1;
    if (!failed && !vips_sharpen(t[11], &sharp, "sigma", 1.0, NULL)) {
        result = vips_jpegsave_buffer(sharp, out, out_len, "Q", 90, "strip", TRUE, NULL);
        g_object_unref(sharp);
    }
    vips_area_unref(VIPS_AREA(white));
    g_object_unref(base);
    return result;
}

int cvips_square_rgb(const void *buf, size_t len, int side, unsigned char *out) {
    VipsImage *thumb = NULL, *srgb = NULL, *flat = NULL, *rgb = NULL, *bytes = NULL;
    int result = -1;
    // Shorter side to `side`, centre crop, upright by EXIF: what the image models take.
    if (vips_thumbnail_buffer((void *)buf, len, &thumb, side, "height", side, "crop", VIPS_INTERESTING_CENTRE,
                              "size", VIPS_SIZE_BOTH, "option_string", "fail_on=truncated", NULL))
        goto done;
    if (vips_colourspace(thumb, &srgb, VIPS_INTERPRETATION_sRGB, NULL)) goto done;
    // Cut-outs are seen on white, as shops show them.
    if (vips_image_hasalpha(srgb)) {
        double white[3] = {255, 255, 255};
        if (vips_flatten(srgb, &flat, "background", vips_array_double_new(white, 3), NULL)) goto done;
    } else {
        flat = srgb;
        g_object_ref(flat);
    }
    if (vips_extract_band(flat, &rgb, 0, "n", 3, NULL)) goto done;
    if (vips_cast_uchar(rgb, &bytes, NULL)) goto done;
    if (vips_image_get_width(bytes) != side || vips_image_get_height(bytes) != side) goto done;
    size_t size = 0;
    void *pixels = vips_image_write_to_memory(bytes, &size);
    if (!pixels) goto done;
    if (size == (size_t)side * side * 3) {
        memcpy(out, pixels, size);
        result = 0;
    }
    g_free(pixels);
done:
    if (thumb) g_object_unref(thumb);
    if (srgb) g_object_unref(srgb);
    if (flat) g_object_unref(flat);
    if (rgb) g_object_unref(rgb);
    if (bytes) g_object_unref(bytes);
    return result;
}
