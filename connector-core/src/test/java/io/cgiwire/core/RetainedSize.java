package io.cgiwire.core;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Roughly how many bytes an object of ours holds on to: its fields, followed through our own classes, arrays,
 * strings, collections and buffers. Good enough to assert that what a decoder keeps between calls is bounded by its
 * limits and not by what the peer sent; it fails on a JDK type it does not know rather than guess.
 *
 * <p>Counts: 16 bytes per object header, 8 per reference or primitive field or element (generous for narrower
 * ones), a string's length in bytes plus its header, a buffer's whole capacity (a kept slice pins its array).
 */
public final class RetainedSize {
    private static final int HEADER = 16;
    private static final int SLOT = 8;
    /** Each class's instance fields, made accessible once: this runs after every read of every fuzz input. */
    private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            List<Field> fields = new ArrayList<>();
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers())) {
                        field.setAccessible(true);
                        fields.add(field);
                    }
                }
            }
            return fields.toArray(new Field[0]);
        }
    };

    private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Deque<Object> todo = new ArrayDeque<>();
    private long bytes;

    private RetainedSize() {
    }

    /** The estimate for {@code root} and everything it reaches. */
    public static long of(Object root) {
        RetainedSize size = new RetainedSize();
        size.push(root);
        while (!size.todo.isEmpty()) {
            size.visit(size.todo.pop());
        }
        return size.bytes;
    }

    private void push(Object o) {
        if (o != null && !(o instanceof Enum) && !(o instanceof Class) && seen.add(o)) {
            todo.push(o);
        }
    }

    private void visit(Object o) {
        Class<?> type = o.getClass();
        if (type.isArray()) {
            int length = Array.getLength(o);
            bytes += HEADER + (long) length * (type.getComponentType().isPrimitive() ? elementSize(type) : SLOT);
            if (!type.getComponentType().isPrimitive()) {
                for (Object element : (Object[]) o) {
                    push(element);
                }
            }
        } else if (o instanceof String s) {
            bytes += HEADER + SLOT + s.length();
        } else if (o instanceof Buffer buffer) {
            bytes += HEADER + 4L * SLOT + buffer.capacity();
        } else if (o instanceof Number || o instanceof Boolean || o instanceof Character) {
            bytes += HEADER + SLOT;
        } else if (o instanceof Collection<?> collection) {
            bytes += HEADER + (long) collection.size() * SLOT;
            collection.forEach(this::push);
        } else if (o instanceof Map<?, ?> map) {
            bytes += HEADER + (long) map.size() * 4 * SLOT;
            map.forEach((k, v) -> {
                push(k);
                push(v);
            });
        } else if (type.getName().startsWith("io.cgiwire.")) {
            bytes += HEADER;
            for (Field field : FIELDS.get(type)) {
                bytes += SLOT;
                if (!field.getType().isPrimitive()) {
                    try {
                        push(field.get(o));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        } else if (o instanceof Throwable) {
            // A kept ProtocolException: its message is bounded by the code that wrote it, its stack by the JVM.
            bytes += HEADER + SLOT * 32;
        } else {
            throw new AssertionError("RetainedSize does not know " + type.getName() + ": teach it");
        }
    }

    private static int elementSize(Class<?> arrayType) {
        Class<?> c = arrayType.getComponentType();
        return c == byte.class || c == boolean.class ? 1 : c == char.class || c == short.class ? 2
                : c == int.class || c == float.class ? 4 : 8;
    }
}
