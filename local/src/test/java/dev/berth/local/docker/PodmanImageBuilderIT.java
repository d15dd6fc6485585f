package dev.berth.local.docker;

/**
 * The {@link dev.berth.image.ImageBuilderContract} and the Docker builder's own tests against Podman's
 * Docker-compatible build endpoint (Buildah underneath), as {@code scripts/podman.sh} sets it up. Fails, naming how to
 * set Podman up, where no Podman answers at {@code BERTH_PODMAN_SOCKET}.
 */
class PodmanImageBuilderIT extends DockerImageBuilderIT {

    @Override
    protected DockerTestEngine.Engine engine() {
        return DockerTestEngine.podman();
    }
}
