package io.cgiwire.spring.boot;

import io.cgiwire.jetty.FcgiConnectionFactory;
import io.cgiwire.tomcat.FcgiNioProtocol;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.server.Server;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/**
 * FastCGI and SCGI connectors on the embedded Tomcat or Jetty of a servlet application, from {@code cgiwire.fcgi.*}
 * and {@code cgiwire.scgi.*}. Whichever container Boot starts gets them: both customizers may be present, only the
 * one for the running container's factory is called.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(CgiwireProperties.class)
public class CgiwireAutoConfiguration {

    @Bean
    CgiwireConnectors cgiwireConnectors() {
        return new CgiwireConnectors();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Tomcat.class, TomcatWebServerFactory.class, FcgiNioProtocol.class})
    static class TomcatConfiguration {
        @Bean
        TomcatCgiwireCustomizer cgiwireTomcatCustomizer(CgiwireProperties properties,
                CgiwireConnectors connectors) {
            return new TomcatCgiwireCustomizer(properties, connectors);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Server.class, JettyWebServerFactory.class, FcgiConnectionFactory.class})
    static class JettyConfiguration {
        @Bean
        JettyCgiwireCustomizer cgiwireJettyCustomizer(CgiwireProperties properties, CgiwireConnectors connectors,
                ResourceLoader resourceLoader) {
            return new JettyCgiwireCustomizer(properties, connectors, resourceLoader.getClassLoader());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetricsConfiguration {
        @Bean
        CgiwireMetrics cgiwireMetrics(CgiwireConnectors connectors, ObjectProvider<MeterRegistry> registry) {
            return new CgiwireMetrics(connectors, registry);
        }
    }
}
