package dev.berth.local;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP service on the host, bound to {@code 0.0.0.0} on a free port like the SSH servers, databases and dev servers
 * a sandbox must not reach: it answers every connection with the line {@value #GREETING} and records who connected.
 */
public final class HostProbeServer implements AutoCloseable {
    /** What the server writes to every connection before closing it. */
    public static final String GREETING = "HOST";

    private final ServerSocket server;
    private final List<InetAddress> peers = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private HostProbeServer() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("0.0.0.0", 0));
        acceptor = Thread.ofVirtual().name("host-probe-server").start(this::serve);
    }

    /** Listens on {@code 0.0.0.0} on a free port. */
    public static HostProbeServer start() throws IOException {
        return new HostProbeServer();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The addresses that connected so far, in order. */
    public List<InetAddress> peers() {
        return List.copyOf(peers);
    }

    /**
     * The host's primary IPv4 address: the one it sends from on its default route (as {@code hostname -I} lists first).
     * Finding it sends no packet.
     */
    public static String primaryAddress() throws SocketException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(new InetSocketAddress("192.0.2.254", 9));
            InetAddress local = socket.getLocalAddress();
            if (!(local instanceof Inet4Address) || local.isAnyLocalAddress() || local.isLoopbackAddress()) {
                throw new IllegalStateException("This host has no IPv4 default route (local address " + local + ")");
            }
            return local.getHostAddress();
        }
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                peers.add(socket.getInetAddress());
                OutputStream out = socket.getOutputStream();
                out.write((GREETING + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
