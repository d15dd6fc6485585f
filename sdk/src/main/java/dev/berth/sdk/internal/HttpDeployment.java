package dev.berth.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.pod.PodSpec;
import dev.berth.sdk.Deployment;
import dev.berth.sdk.PodInstance;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** A deployment seen through the REST API ({@code {name, spec, urls, pod?, createdAt, updatedAt}}). */
final class HttpDeployment implements Deployment {
    private record Snapshot(String name, PodSpec spec, Map<Integer, URI> urls, Instant createdAt, Instant updatedAt) {
    }

    private final HttpBerthClient client;
    private final String name;
    private volatile Snapshot snapshot;
    private volatile PodInstance pod;
    private volatile String authToken;

    HttpDeployment(HttpBerthClient client, JsonNode json) {
        this.client = client;
        update(json);
        this.name = snapshot.name();
    }

    private void update(JsonNode json) {
        Snapshot s = HttpBerthClient.read(json, Snapshot.class);
        PodInstance current = json.path("pod").isObject() ? new HttpPodInstance(client, json.get("pod")) : null;
        snapshot = s;
        pod = current;
        if (json.hasNonNull("authToken")) {
            authToken = json.get("authToken").asText();
        } else if (current != null && current.authToken().isPresent()) {
            authToken = current.authToken().get();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PodSpec spec() {
        return snapshot.spec();
    }

    @Override
    public Map<Integer, URI> urls() {
        return snapshot.urls() == null ? Map.of() : Map.copyOf(snapshot.urls());
    }

    @Override
    public URI url(int port) {
        URI url = urls().get(port);
        if (url == null) {
            throw new IllegalArgumentException("Deployment " + name + " has no port " + port + "; its ports: " + urls().keySet());
        }
        return url;
    }

    @Override
    public URI url() {
        return HttpPodInstance.only(urls(), "Deployment " + name);
    }

    @Override
    public Optional<String> authToken() {
        return Optional.ofNullable(authToken);
    }

    @Override
    public Optional<PodInstance> pod() {
        return Optional.ofNullable(pod);
    }

    @Override
    public Instant createdAt() {
        return snapshot.createdAt();
    }

    @Override
    public Instant updatedAt() {
        return snapshot.updatedAt();
    }

    @Override
    public Deployment refresh() {
        update(client.call("GET", HttpBerthClient.deploymentPath(name), null));
        return this;
    }

    @Override
    public Deployment start() {
        update(client.call("POST", HttpBerthClient.deploymentPath(name) + "/start", null));
        return this;
    }

    @Override
    public Deployment stop() {
        update(client.call("POST", HttpBerthClient.deploymentPath(name) + "/stop", null));
        return this;
    }

    @Override
    public void delete() {
        client.deleteDeployment(name);
    }

    @Override
    public String toString() {
        return "Deployment[" + name + ", " + urls().values() + "]";
    }
}
