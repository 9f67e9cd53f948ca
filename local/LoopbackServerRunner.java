/*
 * Starts DynamoDB Local as its own main does (same command-line options, same server), with one
 * difference: its Jetty connector listens on 127.0.0.1 instead of every interface. DynamoDB Local
 * has no option for that; its DynamoDBProxyServer builds `new Server(port)`, whose connector has no
 * host. local/loopback-launcher.ts compiles this file against the installed jar.
 *
 * Exits 2 when the server cannot be bound to loopback (so nothing ever listens more widely than
 * asked), 1 when it does not start (e.g. the port is taken).
 *
 * With -Dsecretm.endWithParent=true it also ends when its standard input reaches end of file. The
 * parent holds the other end of that pipe and never writes to it; the kernel closes it when the parent
 * ends, however it ends (kill -9 included), so DynamoDB Local never outlives the secretm that started it.
 */
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class LoopbackServerRunner {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    if (Boolean.getBoolean("secretm.endWithParent")) endWithParent(System.in);
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Server server = jettyServerOf(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) fail(2, "DynamoDB Local's server has no connector to bind");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        fail(2, "DynamoDB Local's connector is a " + connector.getClass().getName() + ", not a ServerConnector");
      }
      ((ServerConnector) connector).setHost(HOST);
    }
    proxy.start();
    if (!server.isStarted()) fail(1, "DynamoDB Local did not start");
    for (Connector connector : connectors) {
      ServerConnector bound = (ServerConnector) connector;
      if (!HOST.equals(bound.getHost()) || bound.getLocalPort() <= 0) {
        server.stop();
        fail(2, "DynamoDB Local's connector is not bound to " + HOST);
      }
      System.out.println("DynamoDB Local listens on " + HOST + ":" + bound.getLocalPort() + " only");
    }
    proxy.join();
  }

  /** A daemon thread that reads `pipe` to its end, then exits: the parent that held it is gone. */
  private static void endWithParent(InputStream pipe) {
    Thread watcher =
        new Thread(
            () -> {
              byte[] buffer = new byte[256];
              try {
                while (pipe.read(buffer) != -1) {
                  // The parent writes nothing; whatever comes is ignored.
                }
              } catch (IOException gone) {
                // A broken pipe means the same: the parent is gone.
              }
              System.err.println("secretm: the process that started DynamoDB Local is gone; stopping");
              System.exit(0);
            },
            "secretm-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static Server jettyServerOf(DynamoDBProxyServer proxy) {
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      return (Server) field.get(proxy);
    } catch (ReflectiveOperationException | ClassCastException error) {
      fail(2, "cannot reach DynamoDB Local's Jetty server: " + error);
      throw new IllegalStateException(error);
    }
  }

  private static void fail(int status, String message) {
    System.err.println("secretm: " + message);
    System.exit(status);
  }
}
