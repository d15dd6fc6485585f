package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ApplicationLoadBalancerRequestEvent;
import com.amazonaws.services.lambda.runtime.events.ApplicationLoadBalancerResponseEvent;
import dev.berth.NotFoundException;
import dev.berth.pod.Pod;
import dev.berth.route.UrlScheme;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ALB's Lambda target behind the host rules of a deployment whose pod was reaped: starts the deployment
 * again and answers 503 with {@code Retry-After} (a page that reloads itself) until its task serves, when the
 * rules point at the task again and requests no longer reach this function.
 */
public final class WakerHandler implements RequestHandler<ApplicationLoadBalancerRequestEvent, ApplicationLoadBalancerResponseEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(WakerHandler.class);
    static final int RETRY_SECONDS = 5;
    private final Supplier<AwsPlatform> platform;

    public WakerHandler() {
        this.platform = Lazy.of(AwsPlatform::fromEnvironment);
    }

    public WakerHandler(AwsPlatform platform) {
        this.platform = () -> platform;
    }

    @Override
    public ApplicationLoadBalancerResponseEvent handleRequest(ApplicationLoadBalancerRequestEvent event, Context context) {
        AwsPlatform p = platform.get();
        String host = header(event, "host");
        Optional<UrlScheme.HostKey> key = p.service().urlScheme().parse(host);
        if (key.isEmpty()) {
            return response(404, Map.of(), "No Berth deployment at host '" + host + "'");
        }
        String name = key.get().label();
        try {
            Pod pod = p.service().wake(name);
            LOG.info("deployment={} woken: podId={} {}", name, pod.id(), pod.status());
            return response(503, Map.of("Retry-After", Integer.toString(RETRY_SECONDS), "Cache-Control", "no-store"),
                    "<!doctype html><meta http-equiv=\"refresh\" content=\"" + RETRY_SECONDS + "\"><title>Starting " + name
                            + "</title><p>Starting deployment " + name + " (" + pod.status().name().toLowerCase(java.util.Locale.ROOT)
                            + "); this page reloads until it serves.");
        } catch (NotFoundException e) {
            return response(404, Map.of(), e.getMessage());
        }
    }

    private static String header(ApplicationLoadBalancerRequestEvent event, String name) {
        if (event.getHeaders() != null) {
            for (Map.Entry<String, String> h : event.getHeaders().entrySet()) {
                if (h.getKey().equalsIgnoreCase(name)) {
                    return h.getValue();
                }
            }
        }
        if (event.getMultiValueHeaders() != null) {
            for (var h : event.getMultiValueHeaders().entrySet()) {
                if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
        }
        return null;
    }

    private static ApplicationLoadBalancerResponseEvent response(int status, Map<String, String> headers, String body) {
        ApplicationLoadBalancerResponseEvent r = new ApplicationLoadBalancerResponseEvent();
        r.setStatusCode(status);
        r.setStatusDescription(status + (status == 503 ? " Service Unavailable" : " Not Found"));
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Content-Type", status == 503 ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
        r.setHeaders(all);
        r.setBody(body);
        r.setIsBase64Encoded(false);
        return r;
    }
}
