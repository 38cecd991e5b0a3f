#pragma once
// Engine and service errors in the user's words: what happened (the
// error's own sentence, which names the file or field) and what to do.

#include <QString>

#include "common/result.h"

namespace fd::ui {

// One sentence on what to do about this kind of error; empty when the
// message already says it (a bad request names the field to fix).
QString adviceFor(const Error& error);

// The message and its advice, on two lines.
QString describeError(const Error& error);

// True for errors that a different model folder fixes (the message bar
// then offers to open the settings).
bool isModelError(const Error& error);

}  // namespace fd::ui
