"""Qt-free mask mathematics: shapes, soft edges, tight masks, boolean operations, measurements."""
