#pragma once
// The few stb entry points the engine uses. stb is compiled into this
// library alone (stb_impl.c, with STB_*_STATIC so it never clashes with a
// system libstb); these wrappers are its only exported symbols.

#ifdef __cplusplus
extern "C" {
#endif

// PNG of 8-bit RGB rows; returns a malloc'ed buffer (free with fd_stb_free)
// or null.
unsigned char* fd_stb_png_to_mem(const unsigned char* rgb, int width, int height, int* outLength);

// Baseline JPEG of 8-bit RGB rows, handed to `write` in pieces; 0 on failure.
typedef void fd_stb_write_fn(void* context, void* data, int size);
int fd_stb_jpeg_to_func(fd_stb_write_fn* write, void* context, const unsigned char* rgb, int width,
                        int height, int quality);

// Any format stb_image reads, converted to 8-bit RGB; null on failure.
unsigned char* fd_stb_decode_rgb(const unsigned char* bytes, int length, int* width, int* height);

// The same as 8-bit RGBA; `channelsInFile` tells whether the file had alpha
// (2 or 4 channels).
unsigned char* fd_stb_decode_rgba(const unsigned char* bytes, int length, int* width, int* height,
                                  int* channelsInFile);

// Inflates a zlib stream (zTXt / compressed iTXt chunks); null on failure.
char* fd_stb_zlib_decode(const char* bytes, int length, int* outLength);

void fd_stb_free(void* pointer);

#ifdef __cplusplus
}
#endif
