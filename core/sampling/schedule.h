#pragma once
// The timestep schedule of the Euler flow-matching loop
// (flux.sampling.get_schedule): num_steps + 1 values from exactly 1.0 down to
// exactly 0.0, linear in float32 (schnell), optionally shifted towards high
// timesteps by an amount that grows with the image token count (dev).

#include <cstdint>
#include <vector>

namespace fd {

struct ScheduleShift {
  double baseShift = 0.5;  // mu at 256 image tokens
  double maxShift = 1.15;  // mu at 4096 image tokens
};

// mu = baseShift + (maxShift - baseShift) / (4096 - 256) * (imageSeqLen - 256),
// in double precision like the reference's python floats.
double scheduleMu(int64_t imageSeqLen, const ScheduleShift& shift = {});

// The float32 values the reference computes, returned as doubles (as its
// python floats are). shift: t -> e^mu / (e^mu + (1/t - 1)), with t = 0
// still mapping to 0. numSteps must be >= 1.
std::vector<double> getSchedule(int numSteps, int64_t imageSeqLen, bool shift,
                                const ScheduleShift& params = {});

// Image-to-image: how many of the schedule's first steps a `strength`
// (0..1) skips, as diffusers' Flux img2img/inpaint pipelines compute
// t_start: int(max(steps - min(steps * strength, steps), 0)). The sampler
// starts at timestep index firstStep; steps - firstStep steps run.
int img2imgFirstStep(int steps, double strength);

}  // namespace fd
