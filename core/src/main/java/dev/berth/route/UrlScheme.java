package dev.berth.route;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How pod URLs look: {@code https://<label>-<port>.<domain>[:<httpsPort>]}, where the label is a pod id or a
 * deployment name. Each host is a single DNS label under {@code domain}, so one wildcard certificate covers
 * every pod.
 *
 * @param domain    such as {@code pods.localhost} or {@code pods.example.com}
 * @param httpsPort the port in URLs; 443 is left out
 */
public record UrlScheme(String domain, int httpsPort) {
    public UrlScheme {
        Objects.requireNonNull(domain, "domain");
        domain = domain.toLowerCase(java.util.Locale.ROOT);
    }

    public URI url(String label, int port) {
        return URI.create("https://" + host(label, port) + (httpsPort == 443 ? "" : ":" + httpsPort) + "/");
    }

    public Map<Integer, URI> urls(String label, List<Integer> ports) {
        Map<Integer, URI> urls = new LinkedHashMap<>();
        ports.forEach(port -> urls.put(port, url(label, port)));
        return urls;
    }

    public String host(String label, int port) {
        return label + "-" + port + "." + domain;
    }

    /**
     * The label and port a request's host names, if it is one of ours: {@code abc-8080.pods.localhost:8443}
     * → {@code (abc, 8080)}.
     */
    public Optional<HostKey> parse(String host) {
        if (host == null) {
            return Optional.empty();
        }
        String h = host.toLowerCase(java.util.Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        String suffix = "." + domain;
        if (!h.endsWith(suffix)) {
            return Optional.empty();
        }
        String first = h.substring(0, h.length() - suffix.length());
        int dash = first.lastIndexOf('-');
        if (dash <= 0 || first.contains(".")) {
            return Optional.empty();
        }
        try {
            int port = Integer.parseInt(first.substring(dash + 1));
            return port >= 1 && port <= 65535 ? Optional.of(new HostKey(first.substring(0, dash), port)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The two parts of a pod host. */
    public record HostKey(String label, int port) {
    }
}
