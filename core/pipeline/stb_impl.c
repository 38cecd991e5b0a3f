/* The stb implementation unit: image writing (PNG, JPEG) and reading (tests,
 * the image library). Everything stb defines stays static to this file; the
 * fd_stb_* wrappers in stb_wrappers.h are the only way in. */
#include "pipeline/stb_wrappers.h"

#include <stdlib.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#include <stb_image.h>
/* No "diagnostic pop": GCC reports unused static declarations at the end
 * of the file, so stb's warnings stay off for the rest of this unit. */

unsigned char* fd_stb_png_to_mem(const unsigned char* rgb, int width, int height, int* outLength) {
  return stbi_write_png_to_mem(rgb, width * 3, width, height, 3, outLength);
}

int fd_stb_jpeg_to_func(fd_stb_write_fn* write, void* context, const unsigned char* rgb, int width,
                        int height, int quality) {
  return stbi_write_jpg_to_func(write, context, width, height, 3, rgb, quality);
}

unsigned char* fd_stb_decode_rgb(const unsigned char* bytes, int length, int* width, int* height) {
  int channels = 0;
  return stbi_load_from_memory(bytes, length, width, height, &channels, 3);
}

unsigned char* fd_stb_decode_rgba(const unsigned char* bytes, int length, int* width, int* height,
                                  int* channelsInFile) {
  return stbi_load_from_memory(bytes, length, width, height, channelsInFile, 4);
}

char* fd_stb_zlib_decode(const char* bytes, int length, int* outLength) {
  return stbi_zlib_decode_malloc(bytes, length, outLength);
}

void fd_stb_free(void* pointer) { free(pointer); }
