package dev.berth.local.docker;

/**
 * The {@link dev.berth.run.PodRuntimeContract} and the Docker runtime's own tests against Podman's Docker-compatible
 * API (rootful Podman 4.3 with runc, netavark and catatonit, as {@code scripts/podman.sh} sets it up). Fails, naming how
 * to set Podman up, where no Podman answers at {@code BERTH_PODMAN_SOCKET}.
 */
class PodmanRuntimeIT extends DockerPodRuntimeIT {

    @Override
    protected DockerTestEngine.Engine engine() {
        return DockerTestEngine.podman();
    }
}
