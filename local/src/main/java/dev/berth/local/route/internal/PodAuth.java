package dev.berth.local.route.internal;

import dev.berth.route.AuthToken;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The router's check of an {@code authorized} pod's token, and the removal of that credential before a
 * request reaches the pod.
 *
 * <p>A request may present the token as {@code Authorization: Bearer <token>}, as the {@value #COOKIE} cookie, or
 * as the {@value #PARAM} query parameter. A GET or HEAD with a valid parameter is answered by the router itself:
 * {@code 302} to the same URL without the parameter, with {@code Set-Cookie: berth_auth=…; Secure; HttpOnly;
 * SameSite=Lax; Path=/} (host-only), so a browser opening a link with the token works from then on and the token
 * leaves the address bar. Other requests with a valid parameter (WebSocket upgrades, which cannot follow a
 * redirect, and POSTs) pass with the parameter removed. The pod sees none of the three.
 *
 * <p>Hashes are compared with {@link AuthToken#matches} (constant time). Tokens are never logged.
 */
public final class PodAuth {
    /** The cookie that carries a pod token after a {@value #PARAM} redirect. */
    public static final String COOKIE = "berth_auth";
    /** The query parameter that carries a pod token in a link. */
    public static final String PARAM = "auth_token";

    /** What the check decided. */
    public enum Verdict {
        /** The request may go to the pod (after {@link #outboundUri} and {@link #strip}). */
        PASS,
        /** The router has answered (401, or 302 setting the cookie). */
        ANSWERED
    }

    private PodAuth() {
    }

    /**
     * Checks {@code request} against {@code hash} (the route's token hash; {@code null} admits nobody) and
     * answers it unless it may pass.
     */
    public static Verdict check(HttpServerRequest request, String hash, boolean upgrade) {
        List<String> params = params(request.query(), PARAM);
        if (!params.isEmpty()) {
            boolean valid = params.stream().allMatch(t -> AuthToken.matches(t, hash));
            if (!valid) {
                refuse(request, "The auth_token in this URL is not this pod's token.");
                return Verdict.ANSWERED;
            }
            boolean redirect = !upgrade && (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD);
            if (redirect) {
                request.response().setStatusCode(302)
                        .putHeader(HttpHeaders.LOCATION, outboundUri(request.uri()))
                        .putHeader(HttpHeaders.SET_COOKIE, COOKIE + "=" + params.get(0) + "; Secure; HttpOnly; SameSite=Lax; Path=/")
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                        .putHeader("Referrer-Policy", "no-referrer")
                        .end();
                if (!request.isEnded()) {
                    request.resume();
                }
                return Verdict.ANSWERED;
            }
            return Verdict.PASS;
        }
        if (AuthToken.matches(bearer(request.headers()), hash)) {
            return Verdict.PASS;
        }
        for (String value : cookies(request.headers(), COOKIE)) {
            if (AuthToken.matches(value, hash)) {
                return Verdict.PASS;
            }
        }
        refuse(request, bearer(request.headers()) != null || !cookies(request.headers(), COOKIE).isEmpty()
                ? "The token presented is not this pod's token." : "This pod needs its token.");
        return Verdict.ANSWERED;
    }

    private static void refuse(HttpServerRequest request, String why) {
        request.response().putHeader("WWW-Authenticate", "Bearer realm=\"berth\"");
        ErrorPages.send(request, 401, "Token required", why + " Pass the token printed when the pod was created"
                + " ('authToken' in the API's answer): send the header 'Authorization: Bearer <token>', or open the URL once"
                + " with '?" + PARAM + "=<token>' in a browser (it then keeps a cookie for this address).", null);
    }

    /** {@code uri} without any {@value #PARAM} parameter; other parameters are kept as they were written. */
    public static String outboundUri(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return uri;
        }
        String path = uri.substring(0, q);
        int hash = uri.indexOf('#', q);
        String query = hash < 0 ? uri.substring(q + 1) : uri.substring(q + 1, hash);
        List<String> kept = new ArrayList<>();
        for (String pair : query.split("&", -1)) {
            String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
            if (!PARAM.equals(decode(name))) {
                kept.add(pair);
            }
        }
        String rest = hash < 0 ? "" : uri.substring(hash);
        return (path.isEmpty() ? "/" : path) + (kept.isEmpty() ? "" : "?" + String.join("&", kept)) + rest;
    }

    /**
     * Removes the pod's credential from headers bound for the pod: the {@value #COOKIE} cookie always, and
     * {@code Authorization} when it carries this pod's token (a pod's own authorization scheme passes).
     */
    public static void strip(MultiMap headers, String hash) {
        if (hash != null && AuthToken.matches(bearer(headers), hash)) {
            headers.remove(HttpHeaders.AUTHORIZATION);
        }
        List<String> cookies = headers.getAll(HttpHeaders.COOKIE);
        if (cookies.isEmpty()) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String header : cookies) {
            for (String cookie : header.split(";")) {
                String c = cookie.strip();
                if (!c.isEmpty() && !c.startsWith(COOKIE + "=")) {
                    kept.add(c);
                }
            }
        }
        headers.remove(HttpHeaders.COOKIE);
        if (!kept.isEmpty()) {
            headers.set(HttpHeaders.COOKIE, String.join("; ", kept));
        }
    }

    private static String bearer(MultiMap headers) {
        String value = headers.get(HttpHeaders.AUTHORIZATION);
        if (value == null) {
            return null;
        }
        String v = value.strip();
        return v.length() > 7 && v.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ") ? v.substring(7).strip() : null;
    }

    private static List<String> cookies(MultiMap headers, String name) {
        List<String> values = new ArrayList<>();
        for (String header : headers.getAll(HttpHeaders.COOKIE)) {
            for (String cookie : header.split(";")) {
                String c = cookie.strip();
                if (c.startsWith(name + "=")) {
                    values.add(c.substring(name.length() + 1));
                }
            }
        }
        return values;
    }

    private static List<String> params(String query, String name) {
        List<String> values = new ArrayList<>();
        if (query == null || query.isEmpty()) {
            return values;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (name.equals(key)) {
                values.add(eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return values;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
