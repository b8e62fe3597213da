"""The models of the lessons: the classic VAE (lesson 02), its deterministic twin and a linear
(PCA) bottleneck (lesson 01).

`VAE` is the classic PyTorch MNIST VAE line for line (784 -> 256 -> (mu, logvar) of 20, then
20 -> 256 -> 784 with a sigmoid), with the layer names fc1, fc2_mean, fc2_logvar, fc3, fc4, so
its state_dict loads into the classic 30-line class unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

IMAGE_SIZE = 784  # 28 x 28 pixels, flattened


def flatten_images(x: torch.Tensor) -> torch.Tensor:
    """(N, 784) or (N, 1, 28, 28) -> (N, 784); anything else is a mistake worth a clear error."""
    if x.dim() == 2 and x.shape[1] == IMAGE_SIZE:
        return x
    if x.dim() == 4 and tuple(x.shape[1:]) == (1, 28, 28):
        return x.reshape(x.shape[0], IMAGE_SIZE)
    raise ValueError(f"expected images shaped (N, 784) or (N, 1, 28, 28), got {tuple(x.shape)}; "
                     "for a single image, add the batch dimension with x.unsqueeze(0)")


class VAE(nn.Module):
    """The classic variational autoencoder: an encoder that outputs a distribution, a decoder."""

    def __init__(self, hidden_dim: int = 256, latent_dim: int = 20):
        super().__init__()
        self.config = {"hidden_dim": hidden_dim, "latent_dim": latent_dim}
        self.latent_dim = latent_dim
        self.fc1 = nn.Linear(IMAGE_SIZE, hidden_dim)
        self.fc2_mean = nn.Linear(hidden_dim, latent_dim)
        self.fc2_logvar = nn.Linear(hidden_dim, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, IMAGE_SIZE)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Image -> (mu, logvar): not one code but a small Gaussian cloud of plausible codes."""
        h = F.relu(self.fc1(flatten_images(x)))
        return self.fc2_mean(h), self.fc2_logvar(h)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps: the randomness lives in eps, so gradients reach mu and logvar."""
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Code -> 784 pixel intensities in (0, 1): the painter paints from memory."""
        h = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


class Autoencoder(nn.Module):
    """The deterministic twin of `VAE`: one code per image, no distribution, no KL term.

    It reconstructs well, but nothing in its loss says where its codes should sit, so a random
    z ~ N(0, I) mostly misses them and decodes to something that is not clearly a digit (lesson
    02 measures it). Between two of its codes it does about as well as a VAE; what the V adds
    is a place to draw codes from: the KL term pulls the VAE's codes towards N(0, I).
    """

    def __init__(self, hidden_dim: int = 256, latent_dim: int = 20):
        super().__init__()
        self.config = {"hidden_dim": hidden_dim, "latent_dim": latent_dim}
        self.latent_dim = latent_dim
        self.fc1 = nn.Linear(IMAGE_SIZE, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, IMAGE_SIZE)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(flatten_images(x))))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class PCA:
    """The best *linear* bottleneck: project onto the top-k principal directions and back.

    Fitted in closed form with torch.pca_lowrank, no training; the baseline an autoencoder's
    non-linear bottleneck has to beat.
    """

    def __init__(self, x: torch.Tensor, k: int):
        x = flatten_images(x)
        self.mean = x.mean(dim=0)
        _, _, v = torch.pca_lowrank(x - self.mean, q=k, center=False, niter=4)
        self.components = v[:, :k]  # (784, k), orthonormal columns

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (flatten_images(x) - self.mean) @ self.components

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (z @ self.components.T + self.mean).clamp(0, 1)


class ConvVAE(nn.Module):
    """A VAE whose memory capsule is a small *image*: 28x28x1 pixels -> 4 channels at 7x7.

    This is the shape of Stable Diffusion's autoencoder in miniature (SD: 3x512x512 -> 4x64x64,
    downsampling by 8; here by 4). Convolutions keep "where", so the latent is a spatial map,
    and 196 numbers hold far more detail than the classic VAE's 20: reconstructions are sharp.
    Trained, like SD's, with a small KL weight (beta well below 1), so the latents keep detail
    and do not end up unit-variance: that is why latent diffusion rescales them. With a small
    beta alone, training tends to switch channels off (an earlier version kept 2 of its 4 at
    ~0.2 nats); the bundled one is trained with a KL floor per channel
    (`diffusion.kl_floor_step`), so all four carry information (`diffusion.kl_per_channel`).
    It only compresses and decompresses: the generating is the denoiser's job (`diffusion`).
    Same method names as `VAE`: encode -> (mu, logvar) each (N, 4, 7, 7), decode -> (N, 1, 28, 28).
    """

    def __init__(self, channels: int = 32, latent_channels: int = 4):
        super().__init__()
        self.config = {"channels": channels, "latent_channels": latent_channels}
        self.latent_channels = latent_channels
        c = channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c // 2, 4, stride=2, padding=1), nn.SiLU(),    # 28 -> 14
            nn.Conv2d(c // 2, c, 4, stride=2, padding=1), nn.SiLU(),    # 14 -> 7
            nn.Conv2d(c, c, 3, padding=1), nn.SiLU(),
            nn.Conv2d(c, 2 * latent_channels, 1))                       # mu and logvar, 4 + 4 maps
        self.decoder = nn.Sequential(
            nn.Conv2d(latent_channels, c, 3, padding=1), nn.SiLU(),
            nn.Conv2d(c, c, 3, padding=1), nn.SiLU(),
            nn.ConvTranspose2d(c, c // 2, 4, stride=2, padding=1), nn.SiLU(),        # 7 -> 14
            nn.ConvTranspose2d(c // 2, c // 4, 4, stride=2, padding=1), nn.SiLU(),   # 14 -> 28
            nn.Conv2d(c // 4, 1, 3, padding=1))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Image -> (mu, logvar), each a 4-channel 7x7 map: a Gaussian cloud of small images."""
        h = self.encoder(flatten_images(x).reshape(-1, 1, 28, 28))
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps, exactly as in `VAE`."""
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(N, 4, 7, 7) latent -> (N, 1, 28, 28) pixel intensities in (0, 1)."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


class Classifier(nn.Module):
    """A small CNN that names the digit in an image (>= 99% on MNIST's test set).

    Not part of any VAE: it is the judge that checks whether a generated digit is the one the
    prompt asked for ("prompt adherence").
    """

    def __init__(self, channels: int = 32, hidden_dim: int = 128):
        super().__init__()
        self.config = {"channels": channels, "hidden_dim": hidden_dim}
        c = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),          # 28 -> 14
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))      # 14 -> 7
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(2 * c * 49, hidden_dim),
                                  nn.ReLU(), nn.Dropout(0.25), nn.Linear(hidden_dim, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images -> (N, 10) logits."""
        return self.head(self.features(flatten_images(x).reshape(-1, 1, 28, 28)))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Images -> (N,) predicted digits, in batches, in eval mode."""
        was_training = self.training
        self.eval()
        x = flatten_images(x)
        out = torch.cat([self(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
        self.train(was_training)
        return out
