/*
 * Starts DynamoDB Local as its own main does (same command-line options, same server), with one
 * difference: its Jetty connector listens on 127.0.0.1 instead of every interface. DynamoDB Local
 * has no option for that; its DynamoDBProxyServer builds `new Server(port)`, whose connector has no
 * host. local/loopback-launcher.ts compiles this file against the installed jar.
 *
 * Exits 2 when the server cannot be bound to loopback (so nothing ever listens more widely than
 * asked), 1 when it does not start (e.g. the port is taken).
 */
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class LoopbackServerRunner {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
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
