//! Reading a step whose `kind` comes first in its object, without gathering the object first.
//!
//! serde reads an internally tagged enum by gathering the whole object into a tree of its own, since
//! the tag may come last, then reading the variant from that tree: for the audit, which reads every
//! step on the record, that was half the time spent reading them. Every step is written with its
//! `kind` first, so here the kind is read, then the rest of the object is handed, as it is read, to the
//! same variants tagged from outside (`T`). An object whose kind is not first (one from a store that
//! orders keys its own way) is gathered and read whole, as before.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, Unexpected, VariantAccess, Visitor,
};
use serde::Deserialize;

/// `T` (externally tagged) from an object tagged by its `kind`; `expecting` is what an object that is
/// not one is told it should have been.
pub(super) fn deserialize<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_map(KindFirst {
        expecting,
        read: PhantomData,
    })
}

struct KindFirst<T> {
    expecting: &'static str,
    read: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for KindFirst<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let first = map.next_key::<Word<'de>>()?;
        if let Some(Word(key)) = &first {
            if key == "kind" {
                let Word(kind) = map.next_value()?;
                return T::deserialize(Tagged { kind, fields: map });
            }
        }
        let mut object = serde_json::Map::new();
        if let Some(Word(key)) = first {
            object.insert(key.into_owned(), map.next_value()?);
        }
        while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
            object.insert(key, value);
        }
        let kind = match object.remove("kind") {
            Some(serde_json::Value::String(kind)) => kind,
            Some(other) => {
                let other = other.to_string();
                return Err(de::Error::invalid_type(
                    Unexpected::Other(&other),
                    &"a string kind",
                ));
            }
            None => return Err(de::Error::missing_field("kind")),
        };
        let tagged = serde_json::Value::Object([(kind, object.into())].into_iter().collect());
        T::deserialize(tagged).map_err(de::Error::custom)
    }
}

/// A key or a kind, borrowed from the text where it has no escapes.
struct Word<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Word<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Word<'de>, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Word<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Word<'de>, E> {
                Ok(Word(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Word<'de>, E> {
                Ok(Word(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> Result<Word<'de>, E> {
                Ok(Word(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// The object after its kind, read as the variant of that name.
struct Tagged<'de, A> {
    kind: Cow<'de, str>,
    fields: A,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Tagged<'de, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Tagged<'de, A> {
    type Error = A::Error;
    type Variant = Fields<A>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Fields<A>), A::Error> {
        let variant = seed.deserialize(de::value::StrDeserializer::<A::Error>::new(&self.kind))?;
        Ok((variant, Fields(self.fields)))
    }
}

/// The rest of the object, as the fields of its variant: every step's variant has fields.
struct Fields<A>(A);

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Fields<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        Err(de::Error::invalid_type(Unexpected::Map, &"a unit variant"))
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _seed: S) -> Result<S::Value, A::Error> {
        Err(de::Error::invalid_type(
            Unexpected::Map,
            &"a newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(Unexpected::Map, &visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }
}
