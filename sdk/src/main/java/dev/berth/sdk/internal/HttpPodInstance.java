package dev.berth.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.BerthException;
import dev.berth.pod.Pod;
import dev.berth.pod.PodStatus;
import dev.berth.pod.StopReason;
import dev.berth.sdk.PodInstance;
import dev.berth.sdk.PodNotReadyException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pod seen through the REST API; the snapshot is replaced atomically on refresh. */
final class HttpPodInstance implements PodInstance {
    private static final Logger log = LoggerFactory.getLogger(HttpPodInstance.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 20;

    private final HttpBerthClient client;
    private final String id;
    private volatile Pod record;
    private volatile String authToken;

    HttpPodInstance(HttpBerthClient client, JsonNode json) {
        this.client = client;
        this.record = HttpBerthClient.read(json, Pod.class);
        this.id = record.id().value();
        this.authToken = json.hasNonNull("authToken") ? json.get("authToken").asText() : null;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public PodStatus status() {
        return record.status();
    }

    @Override
    public Map<Integer, URI> urls() {
        return record.urls();
    }

    @Override
    public URI url(int port) {
        URI url = record.urls().get(port);
        if (url == null) {
            throw new IllegalArgumentException("Pod " + id + " has no port " + port + "; its ports: " + record.urls().keySet());
        }
        return url;
    }

    @Override
    public URI url() {
        return only(record.urls(), "Pod " + id);
    }

    static URI only(Map<Integer, URI> urls, String what) {
        if (urls.size() != 1) {
            throw new IllegalStateException(what + " exposes " + (urls.isEmpty() ? "no port" : "ports " + urls.keySet())
                    + "; call url(port)" + (urls.isEmpty() ? " on a pod with ports" : ""));
        }
        return urls.values().iterator().next();
    }

    @Override
    public Optional<String> authToken() {
        return Optional.ofNullable(authToken);
    }

    @Override
    public Pod record() {
        return record;
    }

    @Override
    public PodInstance refresh() {
        update(client.call("GET", HttpBerthClient.podPath(id), null));
        return this;
    }

    private void update(JsonNode json) {
        record = HttpBerthClient.read(json, Pod.class);
        if (json.hasNonNull("authToken")) {
            authToken = json.get("authToken").asText();
        }
    }

    @Override
    public PodInstance awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String waitingOn = "status " + record.status();
        while (true) {
            refresh();
            Pod pod = record;
            if (pod.status().isTerminal()) {
                throw new PodNotReadyException(id, pod.status(), endedMessage(pod));
            }
            if (pod.status() == PodStatus.RUNNING) {
                Optional<String> notAnswering = pod.urls().values().stream().map(this::probe).flatMap(Optional::stream).findFirst();
                if (notAnswering.isEmpty()) {
                    return this;
                }
                waitingOn = notAnswering.get();
            } else {
                waitingOn = "status " + pod.status();
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new PodNotReadyException(id, pod.status(), "Pod " + id + " was not ready after " + timeout.toSeconds()
                        + " s (last: " + waitingOn + "); wait longer, or look at its logs (client.get(\"" + id + "\").logs())");
            }
            sleep();
        }
    }

    /**
     * Empty if the URL answers through the router with something else than 502/503; else why not. An authorized pod's
     * probe carries its token: without it the router itself answers 401, which says nothing about the pod.
     */
    private Optional<String> probe(URI url) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(PROBE_TIMEOUT).GET();
        String token = authToken;
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        HttpRequest request = builder.build();
        try {
            int status = client.httpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 502 || status == 503 ? Optional.of(url + " answers " + status) : Optional.empty();
        } catch (IOException e) {
            log.debug("podId={} probe of {} failed: {}", id, url, e.toString());
            return Optional.of(url + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodNotReadyException(id, record.status(), "Interrupted while waiting for pod " + id);
        }
    }

    private String endedMessage(Pod pod) {
        StringBuilder m = new StringBuilder("Pod ").append(id).append(" is ").append(pod.status());
        if (pod.stopReason() != null) {
            m.append(" (").append(pod.stopReason());
            if (pod.exitCode() != null) {
                m.append(", exit code ").append(pod.exitCode());
            }
            m.append(')');
        }
        m.append(" and never answered");
        if (pod.message() != null) {
            m.append(": ").append(pod.message());
        }
        if (pod.stopReason() == StopReason.EXITED || pod.stopReason() == StopReason.FAILED) {
            List<String> tail = logTail();
            if (!tail.isEmpty()) {
                m.append("\nLast lines of its output:\n  ").append(String.join("\n  ", tail));
            } else if (pod.stopReason() == StopReason.FAILED) {
                m.append("\nThe image build log: client.image(\"").append(pod.imageId()).append("\").log()");
            }
        }
        return m.toString();
    }

    private List<String> logTail() {
        try (Stream<String> lines = logs(false)) {
            List<String> all = lines.toList();
            return all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size());
        } catch (BerthException | java.io.UncheckedIOException e) {
            log.debug("podId={} no logs: {}", id, e.toString());
            return List.of();
        }
    }

    @Override
    public Stream<String> logs() {
        return logs(false);
    }

    @Override
    public Stream<String> logs(boolean follow) {
        return client.lines(HttpBerthClient.podPath(id) + "/logs" + (follow ? "?follow=true" : ""));
    }

    @Override
    public PodInstance terminate() {
        update(client.call("DELETE", HttpBerthClient.podPath(id), null));
        return this;
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a pod", e);
        }
    }

    @Override
    public String toString() {
        return "PodInstance[" + id + ", " + record.status() + ", " + record.urls().values() + "]";
    }
}
