package dev.berth.sdk.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Runs in a JVM with the provider registered through META-INF/services, as any Berth process. */
class LocalhostResolverProviderTest {

    @Test
    void lookup_ofPodHostUnderLocalhost_isLoopback() throws Exception {
        InetAddress[] addresses = InetAddress.getAllByName("pabcdefghijk-8080.pods.localhost");

        assertThat(Arrays.stream(addresses).map(InetAddress::getHostAddress))
                .contains("127.0.0.1")
                .allMatch(a -> a.equals("127.0.0.1") || a.equals("0:0:0:0:0:0:0:1"));
        assertThat(addresses).allMatch(InetAddress::isLoopbackAddress);
    }

    @Test
    void lookup_isCaseInsensitiveAndAcceptsTrailingDot() throws Exception {
        assertThat(InetAddress.getByName("Notebook-8888.PODS.LOCALHOST.").isLoopbackAddress()).isTrue();
        assertThat(InetAddress.getByName("localhost").isLoopbackAddress()).isTrue();
    }

    @Test
    void connect_toLocalhostName_reachesLoopbackServer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
             Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("app-1.pods.localhost", server.getLocalPort()), 5000);
            assertThat(socket.isConnected()).isTrue();
        }
    }

    @Test
    void lookup_ofOtherNames_isLeftToTheBuiltInResolver() throws Exception {
        assertThat(InetAddress.getByName("127.0.0.2").getHostAddress()).isEqualTo("127.0.0.2");
        assertThat(LocalhostResolverProvider.isLocalhostName("localhost.example.com")).isFalse();
        assertThat(LocalhostResolverProvider.isLocalhostName("notlocalhost")).isFalse();
        assertThat(LocalhostResolverProvider.isLocalhostName(".localhost")).isFalse();
        assertThat(LocalhostResolverProvider.isLocalhostName("a.localhost")).isTrue();
    }
}
