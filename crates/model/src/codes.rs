//! A macro for the many small enums that are stored and exchanged as stable text codes.

/// Declares an enum whose variants map one-to-one to text codes, with `as_str`, `parse`, `ALL`,
/// `Display` and `FromStr`. The codes are a storage and API contract: never rename one.
macro_rules! code_enum {
    (
        $(#[$doc:meta])*
        $name:ident, $what:literal {
            $( $(#[$vdoc:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Reads a text code (exact match).
            pub fn parse(text: &str) -> Result<$name, $crate::ParseError> {
                match text {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::ParseError::new($what, text)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ParseError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::parse(text)
            }
        }
    };
}

pub(crate) use code_enum;
