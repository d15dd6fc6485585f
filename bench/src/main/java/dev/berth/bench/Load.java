package dev.berth.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * A closed-loop load generator: {@code connections} threads, each sending GET after GET on its own
 * keep-alive connection for a fixed duration. The same code drives the direct and the routed target, so the
 * two differ only in the path. Each run gets a fresh {@link HttpClient} (a fresh connection pool) and a
 * warm-up whose requests are not counted.
 */
final class Load {
    /** The name prefix of the load threads, so {@link CpuMeter} can count them. */
    static final String THREAD_PREFIX = "bench-load-";
    private final SSLContext tls;
    private final int connections;

    private final CpuMeter cpu;

    Load(SSLContext tls, int connections, CpuMeter cpu) {
        this.tls = tls;
        this.connections = connections;
        this.cpu = cpu;
    }

    /** What one run measured. */
    record Result(String target, long requests, long errors, double seconds, Samples latencies, Map<String, Long> cpuNanos) {
        double requestsPerSecond() {
            return requests / seconds;
        }

        /** CPU microseconds per request spent by {@code group}, or NaN if not measured. */
        double cpuMicrosPerRequest(String group) {
            Long nanos = cpuNanos.get(group);
            return nanos == null || requests == 0 ? Double.NaN : nanos / 1e3 / requests;
        }
    }

    Result run(String label, String url, Duration warmUp, Duration measure) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
        AtomicLong errors = new AtomicLong();
        List<Samples> perThread = new ArrayList<>();
        long start = System.nanoTime();
        long measureFrom = start + warmUp.toNanos();
        long end = measureFrom + measure.toNanos();
        // Platform threads: one per connection, blocking send, as a simple client would.
        Map<String, Long> cpuFrom;
        Map<String, Long> cpuTo;
        try (ExecutorService threads = Executors.newFixedThreadPool(connections, Thread.ofPlatform().name(THREAD_PREFIX, 0).factory())) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                Samples samples = new Samples();
                perThread.add(samples);
                running.add(threads.submit(() -> loop(client, request, measureFrom, end, samples, errors)));
            }
            sleepUntil(measureFrom);
            cpuFrom = cpu.snapshot();
            sleepUntil(end);
            cpuTo = cpu.snapshot();
            for (Future<?> f : running) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("Load on " + url + " failed", e);
        }
        client.close();
        Samples all = Samples.merge(perThread);
        return new Result(label, all.size(), errors.get(), measure.toNanos() / 1e9, all, CpuMeter.delta(cpuFrom, cpuTo));
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static void loop(HttpClient client, HttpRequest request, long measureFrom, long end, Samples samples, AtomicLong errors) {
        while (true) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
                return;
            }
            boolean ok;
            try {
                HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                ok = response.statusCode() == 200;
            } catch (IOException e) {
                ok = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long t1 = System.nanoTime();
            // Count what started in the window and finished by its end: a fixed window for both targets.
            if (t0 >= measureFrom && t1 <= end) {
                if (ok) {
                    samples.add(t1 - t0);
                } else {
                    errors.incrementAndGet();
                }
            }
        }
    }
}
