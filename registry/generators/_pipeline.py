"""A class-conditional DDIM/DDPM pipeline: the stock ``DDIMPipeline`` takes no class labels.

Saved with ``save_pretrained`` beside a dataset, and loaded again with
``ClassConditionalPipeline.from_pretrained(folder)``, so a version can be extended without
retraining. The UNet's last class embedding is the "no class" label that classifier-free
guidance mixes against: ``eps = eps_uncond + scale * (eps_cond - eps_uncond)``.

Imported only when a diffusion recipe runs: it imports torch and diffusers at the top.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from diffusers import DiffusionPipeline, ImagePipelineOutput


class ClassConditionalPipeline(DiffusionPipeline):
    """``unet`` (a ``UNet2DModel`` with ``num_class_embeds`` = classes + 1) and a scheduler."""

    model_cpu_offload_seq = "unet"

    def __init__(self, unet: Any, scheduler: Any) -> None:
        super().__init__()
        self.register_modules(unet=unet, scheduler=scheduler)

    @property
    def null_class(self) -> int:
        """The label index that means "no class" (the unconditional branch of guidance)."""
        return int(self.unet.config.num_class_embeds) - 1

    @torch.no_grad()
    def __call__(
        self,
        class_labels: list[int] | torch.Tensor,
        *,
        guidance_scale: float = 1.5,
        num_inference_steps: int = 50,
        generator: torch.Generator | None = None,
        output_type: str = "np",
    ) -> ImagePipelineOutput:
        """Denoise one image per label; returns images in [0, 1] (``np``) or PIL images."""
        # Noise is drawn on the CPU generator and moved: the same seed gives the same start on
        # every device.
        device = self.unet.device
        labels = torch.as_tensor(class_labels, dtype=torch.long).to(device)
        config = self.unet.config
        shape = (len(labels), config.in_channels, config.sample_size, config.sample_size)
        sample = torch.randn(shape, generator=generator, dtype=self.unet.dtype).to(device)
        sample = sample * self.scheduler.init_noise_sigma
        self.scheduler.set_timesteps(num_inference_steps)
        guided = guidance_scale != 1.0
        null = torch.full_like(labels, self.null_class)
        for timestep in self.progress_bar(self.scheduler.timesteps):
            model_input = self.scheduler.scale_model_input(sample, timestep)
            if guided:
                both = self.unet(
                    torch.cat([model_input, model_input]), timestep, torch.cat([labels, null])
                ).sample
                conditional, unconditional = both.chunk(2)
                noise = unconditional + guidance_scale * (conditional - unconditional)
            else:
                noise = self.unet(model_input, timestep, labels).sample
            step = self.scheduler.step(noise, timestep, sample, generator=generator)
            sample = step.prev_sample
        images = ((sample.clamp(-1, 1) + 1) / 2).cpu().permute(0, 2, 3, 1).numpy()
        if output_type == "pil":
            return ImagePipelineOutput(images=self.numpy_to_pil(images))
        return ImagePipelineOutput(images=images.astype(np.float32))
