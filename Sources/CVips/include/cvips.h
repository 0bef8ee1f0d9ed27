// A small C surface over libvips: Swift cannot call libvips' variadic functions or VIPS_INIT.
// Only plain C types cross this line so that Swift never needs glib's headers.
#ifndef CVIPS_H
#define CVIPS_H
#include <stddef.h>

typedef struct {
    int width;
    int height;
    int bands;
    int has_alpha;
    int orientation;   // EXIF orientation 1…8, 1 when absent
    char loader[48];   // libvips loader class, e.g. "VipsForeignLoadJpegBuffer"
} cvips_image_header;

typedef enum { CVIPS_JPEG = 0, CVIPS_PNG = 1, CVIPS_WEBP = 2, CVIPS_HEIC = 3, CVIPS_AVIF = 4 } cvips_format;

/// Starts libvips once per process; 0 on success.
int cvips_start(int concurrency);
/// Reads the header only (no pixel decode); 0 on success.
int cvips_header(const void *buf, size_t len, cvips_image_header *out);
/// Shrinks so the longest side is <= max_side (never enlarges), auto-rotates by EXIF orientation,
/// and saves without any metadata. Fails on truncated or corrupt input. 0 on success.
int cvips_thumbnail(const void *buf, size_t len, int max_side, cvips_format format, int quality,
                    void **out, size_t *out_len, int *out_width, int *out_height);
/// A generated test or benchmark picture (gradient plus noise) in the given format. 0 on success.
int cvips_generate(int width, int height, int with_alpha, cvips_format format,
                   void **out, size_t *out_len);
/// image.enhance: upright, auto-levels, local contrast ("clarity") by `strength` (0…1), sharpened;
/// a JPEG without metadata. 0 on success.
int cvips_enhance(const void *buf, size_t len, double strength, void **out, size_t *out_len);
/// The band values of one pixel (as stored, before any EXIF turn); how many were written, or -1.
int cvips_pixel(const void *buf, size_t len, int x, int y, double *out, int capacity);
/// The picture as `side`×`side` 8-bit RGB (shorter side scaled to `side`, centre crop, upright,
/// alpha flattened on white) into `out` (side*side*3 bytes). 0 on success.
int cvips_square_rgb(const void *buf, size_t len, int side, unsigned char *out);
void cvips_free(void *p);
/// At most two glibc heap arenas, trimmed by cvips_release_memory rather than on every free;
/// call before any thread starts.
void cvips_configure_heap(void);
/// Hands freed heap memory back to the system (glibc keeps it otherwise).
void cvips_release_memory(void);
/// libvips' error text, copied and cleared under its lock; free it with cvips_free.
char *cvips_take_error(void);

#endif
