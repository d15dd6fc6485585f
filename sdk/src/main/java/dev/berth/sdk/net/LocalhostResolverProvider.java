package dev.berth.sdk.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Resolves {@code localhost} and every {@code *.localhost} name to loopback, as curl and browsers do
 * (RFC 6761 §6.3), so that Java clients reach {@code https://<pod>-<port>.pods.localhost:8443/}; every other
 * name goes to the JDK's built-in resolver.
 *
 * <p>Registered in {@code META-INF/services/java.net.spi.InetAddressResolverProvider}: the JDK (18+) picks it
 * up at the first name lookup of any JVM that has the SDK ({@code berth-sdk}, which the local platform and
 * the {@code berth} command include) on its class path.
 */
public final class LocalhostResolverProvider extends InetAddressResolverProvider {

    @Override
    public InetAddressResolver get(Configuration configuration) {
        return new LocalhostResolver(configuration.builtinResolver());
    }

    @Override
    public String name() {
        return "berth-localhost";
    }

    /** Whether {@code host} is {@code localhost} or a name under it (case-insensitive, trailing dot allowed). */
    public static boolean isLocalhostName(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.equals("localhost") || (h.endsWith(".localhost") && h.length() > ".localhost".length() && !h.startsWith("."));
    }

    private record LocalhostResolver(InetAddressResolver builtin) implements InetAddressResolver {

        @Override
        public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
            if (!isLocalhostName(host)) {
                return builtin.lookupByName(host, policy);
            }
            int characteristics = policy.characteristics();
            boolean v4 = (characteristics & LookupPolicy.IPV4) != 0;
            boolean v6 = (characteristics & LookupPolicy.IPV6) != 0;
            if (!v4 && !v6) {
                v4 = true;
                v6 = true;
            }
            Inet4Address ipv4 = (Inet4Address) InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1});
            byte[] loopback6 = new byte[16];
            loopback6[15] = 1;
            Inet6Address ipv6 = Inet6Address.getByAddress(host, loopback6, -1);
            List<InetAddress> addresses = new ArrayList<>(2);
            boolean v6First = (characteristics & LookupPolicy.IPV6_FIRST) != 0;
            if (v6 && v6First) {
                addresses.add(ipv6);
            }
            if (v4) {
                addresses.add(ipv4);
            }
            if (v6 && !v6First) {
                addresses.add(ipv6);
            }
            return addresses.stream();
        }

        @Override
        public String lookupByAddress(byte[] address) throws UnknownHostException {
            return builtin.lookupByAddress(address);
        }
    }
}
